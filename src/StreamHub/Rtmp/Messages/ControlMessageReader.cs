using System.Buffers;
using System.Buffers.Binary;

namespace StreamHub.Rtmp.Messages;

/// <summary>Reads the fixed-size payloads of protocol control and user control messages. The message is whole
/// (reassembled), so a short payload is a protocol error, not "wait for more".</summary>
public static class ControlMessageReader
{
    public static uint ReadUInt32(in ReadOnlySequence<byte> payload)
    {
        if (payload.Length < 4)
        {
            RtmpThrow.ProtocolError(RtmpError.MalformedControlMessage, $"control message of {payload.Length} bytes, 4 expected");
        }
        Span<byte> bytes = stackalloc byte[4];
        payload.Slice(0, 4).CopyTo(bytes);
        return BinaryPrimitives.ReadUInt32BigEndian(bytes);
    }

    public static (UserControlEvent Event, uint Value) ReadUserControl(in ReadOnlySequence<byte> payload)
    {
        if (payload.Length < 2)
        {
            RtmpThrow.ProtocolError(RtmpError.MalformedControlMessage, $"user control message of {payload.Length} bytes");
        }
        Span<byte> bytes = stackalloc byte[6];
        var length = (int)Math.Min(payload.Length, 6);
        payload.Slice(0, length).CopyTo(bytes);
        var userEvent = (UserControlEvent)BinaryPrimitives.ReadUInt16BigEndian(bytes);
        var value = length >= 6 ? BinaryPrimitives.ReadUInt32BigEndian(bytes[2..]) : 0u;
        return (userEvent, value);
    }
}
