using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace StreamHub.Rtmp.Amf;

/// <summary>Writes AMF0 values (AMF0 spec §2). Strings over 65535 bytes become long strings.</summary>
public static class Amf0Writer
{
    public static void WriteNumber(IBufferWriter<byte> output, double value)
    {
        var span = output.GetSpan(9);
        span[0] = (byte)Amf0Marker.Number;
        BinaryPrimitives.WriteDoubleBigEndian(span[1..], value);
        output.Advance(9);
    }

    public static void WriteBoolean(IBufferWriter<byte> output, bool value)
    {
        var span = output.GetSpan(2);
        span[0] = (byte)Amf0Marker.Boolean;
        span[1] = value ? (byte)1 : (byte)0;
        output.Advance(2);
    }

    public static void WriteNull(IBufferWriter<byte> output) => WriteMarker(output, Amf0Marker.Null);

    public static void WriteString(IBufferWriter<byte> output, string value)
    {
        var length = Encoding.UTF8.GetByteCount(value);
        if (length > ushort.MaxValue)
        {
            var header = output.GetSpan(5);
            header[0] = (byte)Amf0Marker.LongString;
            BinaryPrimitives.WriteUInt32BigEndian(header[1..], (uint)length);
            output.Advance(5);
        }
        else
        {
            var header = output.GetSpan(3);
            header[0] = (byte)Amf0Marker.String;
            BinaryPrimitives.WriteUInt16BigEndian(header[1..], (ushort)length);
            output.Advance(3);
        }
        WriteUtf8(output, value, length);
    }

    public static void WriteObjectStart(IBufferWriter<byte> output) => WriteMarker(output, Amf0Marker.Object);

    public static void WriteEcmaArrayStart(IBufferWriter<byte> output, int count)
    {
        var span = output.GetSpan(5);
        span[0] = (byte)Amf0Marker.EcmaArray;
        BinaryPrimitives.WriteUInt32BigEndian(span[1..], (uint)count);
        output.Advance(5);
    }

    public static void WriteStrictArrayStart(IBufferWriter<byte> output, int count)
    {
        var span = output.GetSpan(5);
        span[0] = (byte)Amf0Marker.StrictArray;
        BinaryPrimitives.WriteUInt32BigEndian(span[1..], (uint)count);
        output.Advance(5);
    }

    /// <summary>A property name (u16 length + UTF-8, no marker); the value follows.</summary>
    public static void WritePropertyName(IBufferWriter<byte> output, string name)
    {
        var length = Encoding.UTF8.GetByteCount(name);
        var span = output.GetSpan(2);
        BinaryPrimitives.WriteUInt16BigEndian(span, checked((ushort)length));
        output.Advance(2);
        WriteUtf8(output, name, length);
    }

    /// <summary>The empty name and end marker: 00 00 09.</summary>
    public static void WriteObjectEnd(IBufferWriter<byte> output)
    {
        var span = output.GetSpan(3);
        span[0] = 0;
        span[1] = 0;
        span[2] = (byte)Amf0Marker.ObjectEnd;
        output.Advance(3);
    }

    public static void WriteDate(IBufferWriter<byte> output, DateTime value)
    {
        var span = output.GetSpan(11);
        span[0] = (byte)Amf0Marker.Date;
        BinaryPrimitives.WriteDoubleBigEndian(span[1..], (value.ToUniversalTime() - DateTime.UnixEpoch).TotalMilliseconds);
        span[9] = 0;
        span[10] = 0;
        output.Advance(11);
    }

    /// <summary>Writes any value an <see cref="AmfObject"/> may hold (numbers of any CLR numeric type as AMF numbers).</summary>
    public static void WriteValue(IBufferWriter<byte> output, object? value)
    {
        switch (value)
        {
            case null:
                WriteNull(output);
                break;
            case string text:
                WriteString(output, text);
                break;
            case bool flag:
                WriteBoolean(output, flag);
                break;
            case DateTime date:
                WriteDate(output, date);
                break;
            case AmfObject obj:
                if (obj.IsEcmaArray)
                {
                    WriteEcmaArrayStart(output, obj.Count);
                }
                else
                {
                    WriteObjectStart(output);
                }
                foreach (var (name, property) in obj)
                {
                    WritePropertyName(output, name);
                    WriteValue(output, property);
                }
                WriteObjectEnd(output);
                break;
            case IReadOnlyDictionary<string, object?> properties:
                // onMetaData as the live stream keeps it (sanitised into a plain dictionary): an anonymous object.
                WriteObjectStart(output);
                foreach (var (name, property) in properties)
                {
                    WritePropertyName(output, name);
                    WriteValue(output, property);
                }
                WriteObjectEnd(output);
                break;
            case IReadOnlyList<object?> items:
                WriteStrictArrayStart(output, items.Count);
                foreach (var item in items)
                {
                    WriteValue(output, item);
                }
                break;
            case IConvertible number:
                WriteNumber(output, number.ToDouble(null));
                break;
            default:
                throw new ArgumentException($"No AMF0 form for {value.GetType().Name}.", nameof(value));
        }
    }

    private static void WriteMarker(IBufferWriter<byte> output, Amf0Marker marker)
    {
        output.GetSpan(1)[0] = (byte)marker;
        output.Advance(1);
    }

    private static void WriteUtf8(IBufferWriter<byte> output, string value, int length)
    {
        if (length == 0)
        {
            return;
        }
        var span = output.GetSpan(length);
        Encoding.UTF8.GetBytes(value, span);
        output.Advance(length);
    }
}
