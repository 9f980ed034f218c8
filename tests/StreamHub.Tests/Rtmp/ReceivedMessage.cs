using System.Buffers.Binary;
using StreamHub.Rtmp.Messages;

namespace StreamHub.Tests.Rtmp;

/// <summary>A message the <see cref="TestRtmpClient"/> received, payload copied.</summary>
public sealed record ReceivedMessage(RtmpMessageType Type, uint StreamId, uint Timestamp, byte[] Payload)
{
    public uint UInt32(int offset = 0) => BinaryPrimitives.ReadUInt32BigEndian(Payload.AsSpan(offset));
}
