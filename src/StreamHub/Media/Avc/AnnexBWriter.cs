using System.Buffers;

namespace StreamHub.Media.Avc;

/// <summary>Turns one AVCC access unit (length-prefixed NAL units, as in an FLV AVC coded frame) into an Annex B access
/// unit for MPEG-TS (H.222.0 §2.14): an access unit delimiter first, in-band AUDs dropped, and before an IDR picture
/// the SPS and PPS of the latest sequence header (in-band copies in that access unit are replaced, as nginx-rtmp
/// does), every NAL unit behind a 4-byte start code.</summary>
public static class AnnexBWriter
{
    /// <summary>The access unit delimiter written first: start code, nal_unit_type 9, primary_pic_type 7 (any slice
    /// type) with the stop bit.</summary>
    public static ReadOnlySpan<byte> AccessUnitDelimiter => [0x00, 0x00, 0x00, 0x01, 0x09, 0xF0];

    private static ReadOnlySpan<byte> StartCode => [0x00, 0x00, 0x00, 0x01];

    /// <summary>Writes <paramref name="avcc"/> as Annex B. Returns false, writing nothing, when a length prefix runs
    /// past the end of the input.</summary>
    /// <param name="configuration">The latest sequence header, which also gives the length prefix size; null when none
    /// has arrived (4-byte prefixes assumed, in-band SPS/PPS kept as they are).</param>
    public static bool TryWrite(ReadOnlySpan<byte> avcc, AvcDecoderConfiguration? configuration, IBufferWriter<byte> output)
    {
        var lengthSize = configuration?.NalLengthSize ?? 4;
        if (!TryScan(avcc, lengthSize, out var hasIdr))
        {
            return false;
        }
        var replaceParameterSets = hasIdr && configuration is not null;

        Write(output, AccessUnitDelimiter);
        if (replaceParameterSets)
        {
            foreach (var sps in configuration!.SequenceParameterSets)
            {
                WriteNal(output, sps);
            }
            foreach (var pps in configuration.PictureParameterSets)
            {
                WriteNal(output, pps);
            }
        }

        var offset = 0;
        while (offset < avcc.Length)
        {
            var length = ReadLength(avcc.Slice(offset, lengthSize));
            offset += lengthSize;
            var nal = avcc.Slice(offset, length);
            offset += length;
            if (nal.IsEmpty)
            {
                continue;
            }
            var type = (AvcNalUnitType)(nal[0] & 0x1F);
            if (type == AvcNalUnitType.AccessUnitDelimiter
                || (replaceParameterSets && type is AvcNalUnitType.Sps or AvcNalUnitType.Pps))
            {
                continue;
            }
            WriteNal(output, nal);
        }
        return true;
    }

    /// <summary>Whether a complete AVCC access unit holds an IDR slice; false also when it is malformed.</summary>
    public static bool ContainsIdr(ReadOnlySpan<byte> avcc, int nalLengthSize) =>
        TryScan(avcc, nalLengthSize, out var hasIdr) && hasIdr;

    private static bool TryScan(ReadOnlySpan<byte> avcc, int lengthSize, out bool hasIdr)
    {
        hasIdr = false;
        var offset = 0;
        while (offset < avcc.Length)
        {
            if (avcc.Length - offset < lengthSize)
            {
                return false;
            }
            var length = ReadLength(avcc.Slice(offset, lengthSize));
            offset += lengthSize;
            if (length > avcc.Length - offset)
            {
                return false;
            }
            if (length > 0 && (AvcNalUnitType)(avcc[offset] & 0x1F) == AvcNalUnitType.IdrSlice)
            {
                hasIdr = true;
            }
            offset += length;
        }
        return true;
    }

    private static int ReadLength(ReadOnlySpan<byte> prefix)
    {
        uint length = 0;
        foreach (var b in prefix)
        {
            length = (length << 8) | b;
        }
        // A 4-byte prefix above int.MaxValue cannot fit in the input; report it as too long.
        return length > int.MaxValue ? int.MaxValue : (int)length;
    }

    private static void WriteNal(IBufferWriter<byte> output, ReadOnlySpan<byte> nal)
    {
        Write(output, StartCode);
        Write(output, nal);
    }

    private static void Write(IBufferWriter<byte> output, ReadOnlySpan<byte> bytes)
    {
        var span = output.GetSpan(bytes.Length);
        bytes.CopyTo(span);
        output.Advance(bytes.Length);
    }
}
