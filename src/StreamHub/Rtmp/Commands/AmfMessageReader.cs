using System.Buffers;
using StreamHub.Rtmp.Amf;

namespace StreamHub.Rtmp.Commands;

/// <summary>Reads whole command and data messages into values. The message is complete, so AMF that ends early is
/// malformed (<see cref="RtmpError.MalformedAmf"/>).</summary>
public static class AmfMessageReader
{
    /// <summary>All values of a data message (type 18, or 15 with its leading 0x00 skipped). More than
    /// <paramref name="maxValues"/> values in all (properties and elements included) is
    /// <see cref="RtmpError.TooManyAmfValues"/>.</summary>
    public static List<object?> ReadValues(ReadOnlySequence<byte> payload, bool amf3, int maxDepth, int maxValues = int.MaxValue)
    {
        var budget = maxValues;
        if (amf3 && new SequenceReader<byte>(payload).TryPeek(out var first) && first == 0)
        {
            payload = payload.Slice(1);
        }
        var values = new List<object?>();
        while (!payload.IsEmpty)
        {
            if (!Amf0Reader.TryReadValue(ref payload, maxDepth, ref budget, maxValues, out var value))
            {
                RtmpThrow.MalformedAmf("AMF data ends inside a value");
            }
            values.Add(value);
        }
        return values;
    }

    public static RtmpCommand ReadCommand(ReadOnlySequence<byte> payload, bool amf3, int maxDepth, int maxValues = int.MaxValue)
    {
        var values = ReadValues(payload, amf3, maxDepth, maxValues);
        if (values.Count < 1 || values[0] is not string name)
        {
            return RtmpThrow.ProtocolError<RtmpCommand>(RtmpError.MalformedCommand, "command message without a name");
        }
        var transactionId = values.Count > 1 && values[1] is double number ? number : 0;
        var commandObject = values.Count > 2 ? values[2] : null;
        var arguments = values.Count > 3 ? values.GetRange(3, values.Count - 3) : [];
        return new RtmpCommand(name, transactionId, commandObject, arguments);
    }
}
