using System.Buffers;
using System.Text;

namespace StreamHub.Rtmp.Amf;

/// <summary>Reads AMF0 values structurally (AMF0 spec §2; PROTOCOL-NOTES §4): the ECMA array count is advisory (parsed
/// to the terminator), strict arrays, long strings, dates, typed objects and the AMF3 switch are read, every length is
/// checked against the bytes present, and nesting and the number of values are bounded (a small message can
/// hold a great many one-byte values, each costing far more to build than to send). Truncated input returns false and
/// consumes nothing.</summary>
public static class Amf0Reader
{
    public static bool TryReadValue(ref ReadOnlySequence<byte> buffer, int maxDepth, out object? value)
    {
        var budget = int.MaxValue;
        return TryReadValue(ref buffer, maxDepth, ref budget, int.MaxValue, out value);
    }

    /// <summary>Reads one value, counting it and every property and element inside it against
    /// <paramref name="valueBudget"/> (what is left of <paramref name="maxValues"/>); going past it raises
    /// <see cref="RtmpError.TooManyAmfValues"/>. The budget is only spent when the value is read whole.</summary>
    public static bool TryReadValue(ref ReadOnlySequence<byte> buffer, int maxDepth, ref int valueBudget, int maxValues, out object? value)
    {
        var reader = new SequenceReader<byte>(buffer);
        var budget = valueBudget;
        if (!TryReadValue(ref reader, 0, maxDepth, ref budget, maxValues, out value))
        {
            return false;
        }
        valueBudget = budget;
        buffer = buffer.Slice(reader.Position);
        return true;
    }

    internal static bool TryReadValue(ref SequenceReader<byte> reader, int depth, int maxDepth, ref int budget, int maxValues, out object? value)
    {
        value = null;
        if (--budget < 0)
        {
            RtmpThrow.TooManyAmfValues(maxValues);
        }
        if (!reader.TryRead(out var marker))
        {
            return false;
        }
        switch ((Amf0Marker)marker)
        {
            case Amf0Marker.Number:
                if (!reader.TryReadBigEndian(out long bits))
                {
                    return false;
                }
                value = BitConverter.Int64BitsToDouble(bits);
                return true;
            case Amf0Marker.Boolean:
                if (!reader.TryRead(out var flag))
                {
                    return false;
                }
                value = flag != 0;
                return true;
            case Amf0Marker.String:
                return TryReadShortString(ref reader, out value);
            case Amf0Marker.LongString:
            case Amf0Marker.XmlDocument:
                return TryReadLongString(ref reader, out value);
            case Amf0Marker.Null:
            case Amf0Marker.Undefined:
            case Amf0Marker.Unsupported:
                return true;
            case Amf0Marker.Object:
                return TryReadProperties(ref reader, depth, maxDepth, ref budget, maxValues, new AmfObject(), out value);
            case Amf0Marker.EcmaArray:
                // The count is advisory (Flash and FMLE send 0): read to the terminator.
                if (!reader.TryReadBigEndian(out int _))
                {
                    return false;
                }
                return TryReadProperties(ref reader, depth, maxDepth, ref budget, maxValues, new AmfObject { IsEcmaArray = true }, out value);
            case Amf0Marker.TypedObject:
                if (!TryReadShortString(ref reader, out var className))
                {
                    return false;
                }
                return TryReadProperties(ref reader, depth, maxDepth, ref budget, maxValues, new AmfObject { ClassName = (string)className! }, out value);
            case Amf0Marker.StrictArray:
                return TryReadStrictArray(ref reader, depth, maxDepth, ref budget, maxValues, out value);
            case Amf0Marker.Date:
                if (!reader.TryReadBigEndian(out long dateBits) || !reader.TryReadBigEndian(out short _))
                {
                    return false;
                }
                var milliseconds = BitConverter.Int64BitsToDouble(dateBits);
                if (!double.IsFinite(milliseconds) || Math.Abs(milliseconds) > 8.64e15)
                {
                    RtmpThrow.MalformedAmf("AMF0 date out of range");
                }
                value = DateTime.UnixEpoch.AddMilliseconds(milliseconds);
                return true;
            case Amf0Marker.AvmPlus:
                return Amf3Reader.TryReadValue(ref reader, out value);
            case Amf0Marker.ObjectEnd:
                RtmpThrow.MalformedAmf("AMF0 object end marker outside an object");
                return false;
            default:
                RtmpThrow.ProtocolError(RtmpError.UnsupportedAmfType, $"AMF0 marker 0x{marker:X2} is not supported");
                return false;
        }
    }

    private static bool TryReadProperties(ref SequenceReader<byte> reader, int depth, int maxDepth, ref int budget, int maxValues, AmfObject target, out object? value)
    {
        value = null;
        if (depth + 1 > maxDepth)
        {
            RtmpThrow.ProtocolError(RtmpError.AmfTooDeep, $"AMF nesting deeper than {maxDepth}");
        }
        while (true)
        {
            if (!reader.TryReadBigEndian(out short nameLength))
            {
                return false;
            }
            if (nameLength == 0)
            {
                if (!reader.TryPeek(out var next))
                {
                    return false;
                }
                if (next == (byte)Amf0Marker.ObjectEnd)
                {
                    reader.Advance(1);
                    value = target;
                    return true;
                }
            }
            if (!TryReadUtf8(ref reader, (ushort)nameLength, out var name)
                || !TryReadValue(ref reader, depth + 1, maxDepth, ref budget, maxValues, out var property))
            {
                return false;
            }
            target[name] = property;
        }
    }

    private static bool TryReadStrictArray(ref SequenceReader<byte> reader, int depth, int maxDepth, ref int budget, int maxValues, out object? value)
    {
        value = null;
        if (!reader.TryReadBigEndian(out int signedCount))
        {
            return false;
        }
        if (depth + 1 > maxDepth)
        {
            RtmpThrow.ProtocolError(RtmpError.AmfTooDeep, $"AMF nesting deeper than {maxDepth}");
        }
        var count = (uint)signedCount;
        if (count > reader.Remaining)
        {
            // Every value takes at least one byte: either the rest has not arrived or the count is a lie.
            return false;
        }
        if (count > (uint)budget)
        {
            // Refused before the list is sized from the peer's count.
            RtmpThrow.TooManyAmfValues(maxValues);
        }
        var items = new List<object?>((int)count);
        for (var i = 0u; i < count; i++)
        {
            if (!TryReadValue(ref reader, depth + 1, maxDepth, ref budget, maxValues, out var item))
            {
                return false;
            }
            items.Add(item);
        }
        value = items;
        return true;
    }

    private static bool TryReadShortString(ref SequenceReader<byte> reader, out object? value)
    {
        value = null;
        if (!reader.TryReadBigEndian(out short length) || !TryReadUtf8(ref reader, (ushort)length, out var text))
        {
            return false;
        }
        value = text;
        return true;
    }

    private static bool TryReadLongString(ref SequenceReader<byte> reader, out object? value)
    {
        value = null;
        if (!reader.TryReadBigEndian(out int length))
        {
            return false;
        }
        if ((uint)length > reader.Remaining)
        {
            return false;
        }
        if (!TryReadUtf8(ref reader, length, out var text))
        {
            return false;
        }
        value = text;
        return true;
    }

    internal static bool TryReadUtf8(ref SequenceReader<byte> reader, int length, out string text)
    {
        text = string.Empty;
        if (reader.Remaining < length)
        {
            return false;
        }
        if (length == 0)
        {
            return true;
        }
        var unread = reader.UnreadSpan;
        if (unread.Length >= length)
        {
            text = Encoding.UTF8.GetString(unread[..length]);
        }
        else
        {
            var rented = ArrayPool<byte>.Shared.Rent(length);
            try
            {
                reader.TryCopyTo(rented.AsSpan(0, length));
                text = Encoding.UTF8.GetString(rented, 0, length);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
        reader.Advance(length);
        return true;
    }
}
