using System.Buffers;

namespace StreamHub.Rtmp.Amf;

/// <summary>The AMF3 values encoders put behind the AMF0 "switch to AMF3" marker in command and data messages
/// (types 17/15): undefined, null, booleans, integers, doubles and inline strings. Anything richer (references,
/// objects, arrays) is refused with <see cref="RtmpError.UnsupportedAmfType"/>.</summary>
public static class Amf3Reader
{
    internal static bool TryReadValue(ref SequenceReader<byte> reader, out object? value)
    {
        value = null;
        if (!reader.TryRead(out var marker))
        {
            return false;
        }
        switch ((Amf3Marker)marker)
        {
            case Amf3Marker.Undefined:
            case Amf3Marker.Null:
                return true;
            case Amf3Marker.False:
                value = false;
                return true;
            case Amf3Marker.True:
                value = true;
                return true;
            case Amf3Marker.Integer:
                if (!TryReadU29(ref reader, out var u29))
                {
                    return false;
                }
                // 29-bit two's complement.
                value = (double)((int)(u29 << 3) >> 3);
                return true;
            case Amf3Marker.Double:
                if (!reader.TryReadBigEndian(out long bits))
                {
                    return false;
                }
                value = BitConverter.Int64BitsToDouble(bits);
                return true;
            case Amf3Marker.String:
                if (!TryReadU29(ref reader, out var header))
                {
                    return false;
                }
                if ((header & 1) == 0)
                {
                    RtmpThrow.ProtocolError(RtmpError.UnsupportedAmfType, "AMF3 string references are not supported");
                }
                if (!Amf0Reader.TryReadUtf8(ref reader, (int)(header >> 1), out var text))
                {
                    return false;
                }
                value = text;
                return true;
            default:
                RtmpThrow.ProtocolError(RtmpError.UnsupportedAmfType, $"AMF3 marker 0x{marker:X2} is not supported");
                return false;
        }
    }

    /// <summary>U29: 1–4 bytes, 7 bits each with a continuation bit, the fourth byte all 8 bits.</summary>
    internal static bool TryReadU29(ref SequenceReader<byte> reader, out uint value)
    {
        value = 0;
        for (var i = 0; i < 4; i++)
        {
            if (!reader.TryRead(out var b))
            {
                return false;
            }
            if (i == 3)
            {
                value = value << 8 | b;
                return true;
            }
            value = value << 7 | (uint)(b & 0x7F);
            if ((b & 0x80) == 0)
            {
                return true;
            }
        }
        return true;
    }
}
