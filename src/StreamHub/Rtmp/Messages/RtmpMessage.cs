using System.Buffers;

namespace StreamHub.Rtmp.Messages;

/// <summary>One reassembled RTMP message. <see cref="Payload"/> points into the chunk stream's pooled buffer and is
/// valid only until the next call to the chunk reader.</summary>
/// <param name="Timestamp">The 32-bit wire timestamp (absolute, mod 2^32).</param>
/// <param name="Clock">The same timestamp unwrapped onto a 64-bit millisecond clock.</param>
public readonly record struct RtmpMessage(
    int ChunkStreamId,
    RtmpMessageType Type,
    uint StreamId,
    uint Timestamp,
    long Clock,
    ReadOnlySequence<byte> Payload);
