using System.Buffers;
using StreamHub.Rtmp.Messages;

namespace StreamHub.Rtmp.Chunking;

/// <summary>What one chunk stream id remembers between chunks: the last header fields (fmt 1–3 inherit them) and the
/// message being reassembled, in a pooled buffer that is kept and reused for the next message.</summary>
internal sealed class ChunkStream(int id)
{
    public int Id { get; } = id;

    /// <summary>A format 0 or 1 header has been seen, so format 2 and 3 have something to inherit.</summary>
    public bool HasHeader;

    public uint Timestamp;
    public uint TimestampDelta;
    public int MessageLength;
    public RtmpMessageType MessageType;
    public uint MessageStreamId;

    /// <summary>The last format 0/1/2 header used the extended timestamp field; its value, for the fmt-3 peek.</summary>
    public bool HasExtendedTimestamp;
    public uint ExtendedTimestamp;

    public bool HasClock;
    public long Clock;

    public byte[] Buffer = [];
    public int Received;

    /// <summary>The reader's <see cref="ChunkReader.Now"/> when the message being reassembled began.</summary>
    public long MessageStartedAt;

    /// <summary>True between the chunk that completed a message and the next chunk on this id.</summary>
    public bool Completed;

    public bool InProgress => Received > 0 && !Completed;

    /// <summary>Unwraps the 32-bit timestamp of a new message onto the 64-bit clock (signed mod-2^32 difference from the
    /// last message on this chunk stream).</summary>
    public void AdvanceClock()
    {
        if (!HasClock)
        {
            Clock = Timestamp;
            HasClock = true;
            _lastTimestamp = Timestamp;
            return;
        }
        Clock += (int)(Timestamp - _lastTimestamp);
        _lastTimestamp = Timestamp;
    }

    private uint _lastTimestamp;

    /// <summary>How big the reassembly buffer must become to hold <paramref name="needed"/> bytes (0 when it already
    /// can). It grows with the bytes that actually arrive, never to the announced length up front, so a peer cannot
    /// make the server reserve memory it does not send.</summary>
    public int GrowthTarget(int needed) =>
        Buffer.Length >= needed ? 0 : Math.Min(MessageLength, Math.Max(needed, Math.Max(Buffer.Length * 2, 4096)));

    /// <summary>Replaces the buffer with a pooled one of at least <paramref name="size"/> bytes, keeping what was
    /// received; returns how much the capacity grew.</summary>
    public int Grow(int size)
    {
        var larger = ArrayPool<byte>.Shared.Rent(size);
        Buffer.AsSpan(0, Received).CopyTo(larger);
        var growth = larger.Length - Buffer.Length;
        ReturnBuffer();
        Buffer = larger;
        return growth;
    }

    public RtmpMessage ToMessage() =>
        new(Id, MessageType, MessageStreamId, Timestamp, Clock, new ReadOnlySequence<byte>(Buffer, 0, MessageLength));

    public void ReturnBuffer()
    {
        if (Buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(Buffer);
        }
        Buffer = [];
    }
}
