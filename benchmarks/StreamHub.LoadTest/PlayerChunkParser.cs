using System.Buffers;
using System.Buffers.Binary;
using StreamHub.Rtmp.Messages;

namespace StreamHub.LoadTest;

/// <summary>The load-test player's side of RTMP chunking (RTMP 1.0 §5.3), pure and synchronous: it reads chunk headers
/// in place, skips media and data payloads as they arrive (never copied, never reassembled), and reassembles only
/// control and command messages, into a pooled array. Nothing is allocated per chunk or message.
/// <code>
/// basic header: fmt(2) csid(6); csid 0 → 1 more byte (64..319); csid 1 → 2 more bytes, LE (64..65599)
/// fmt 0 (11): timestamp(3) length(3) type(1) stream id(4, LE)
/// fmt 1 (7):  delta(3) length(3) type(1)
/// fmt 2 (3):  delta(3)
/// fmt 3 (0):  everything inherited; a new message adds the last delta again
/// extended timestamp (4) when the 24-bit field is 0xFFFFFF, and on fmt 3 chunks of such a stream (§5.3.1.3)
/// </code>
/// A header split across reads is left unconsumed (<see cref="Parse"/> returns where it starts); payload bytes are
/// consumed as they come. A peer's violation (a chunk stream beyond the table, a huge message, a header of format 0–2
/// inside a message) is an <see cref="InvalidDataException"/>.</summary>
public sealed class PlayerChunkParser(IPlayerMessageSink sink) : IDisposable
{
    public const int DefaultChunkSize = 128;
    public const int MaxChunkStreams = 320;
    public const int MaxKeptMessage = 64 * 1024;
    /// <summary>Largest message accepted (the 24-bit length field allows 16 MiB): a 2.7 Mbit/s keyframe is ~100 KB.</summary>
    public const int MaxMessage = 8 * 1024 * 1024;

    private readonly ChunkStreamState[] _streams = new ChunkStreamState[MaxChunkStreams];
    private int _payloadChunkStream = -1;
    private int _payloadLeft;

    /// <summary>The server's chunk size, from its Set Chunk Size.</summary>
    public int ChunkSize { get; private set; } = DefaultChunkSize;

    /// <summary>Parses chunks from <paramref name="data"/>; returns how much it consumed: everything but a header
    /// that is not all there yet.</summary>
    public int Parse(ReadOnlySpan<byte> data)
    {
        var position = 0;
        while (true)
        {
            if (_payloadLeft > 0)
            {
                var take = Math.Min(_payloadLeft, data.Length - position);
                ref var current = ref _streams[_payloadChunkStream];
                if (current.Kept is not null)
                {
                    data.Slice(position, take).CopyTo(current.Kept.AsSpan(current.Length - current.Remaining));
                }
                position += take;
                _payloadLeft -= take;
                current.Remaining -= take;
                if (_payloadLeft > 0)
                {
                    return position;
                }
                if (current.Remaining == 0)
                {
                    Complete(ref current);
                }
                continue;
            }
            var header = TryReadHeader(data[position..]);
            if (header == 0)
            {
                return position;
            }
            position += header;
            ref var stream = ref _streams[_payloadChunkStream];
            if (stream.Remaining == 0)
            {
                Complete(ref stream);
            }
        }
    }

    /// <summary>Reads one chunk header and starts its payload; 0 when the header is not all there.</summary>
    private int TryReadHeader(ReadOnlySpan<byte> data)
    {
        if (data.IsEmpty)
        {
            return 0;
        }
        var format = data[0] >> 6;
        var chunkStream = data[0] & 0x3F;
        var length = 1;
        if (chunkStream == 0)
        {
            if (data.Length < 2)
            {
                return 0;
            }
            chunkStream = 64 + data[1];
            length = 2;
        }
        else if (chunkStream == 1)
        {
            if (data.Length < 3)
            {
                return 0;
            }
            chunkStream = 64 + data[1] + (data[2] << 8);
            length = 3;
        }
        if (chunkStream >= MaxChunkStreams)
        {
            throw new InvalidDataException($"chunk stream {chunkStream} (the player keeps {MaxChunkStreams})");
        }
        ref var stream = ref _streams[chunkStream];
        var headerLength = format switch { 0 => 11, 1 => 7, 2 => 3, _ => 0 };
        if (data.Length < length + headerLength)
        {
            return 0;
        }
        var fields = data.Slice(length, headerLength);
        uint timestampField = 0;
        var extended = stream.Extended;
        if (format < 3)
        {
            timestampField = (uint)((fields[0] << 16) | (fields[1] << 8) | fields[2]);
            extended = timestampField == 0xFFFFFF;
        }
        var total = length + headerLength + (extended ? 4 : 0);
        if (data.Length < total)
        {
            return 0;
        }
        if (extended)
        {
            timestampField = BinaryPrimitives.ReadUInt32BigEndian(data[(length + headerLength)..]);
        }
        var startsMessage = stream.Remaining == 0;
        if (!startsMessage && format != 3)
        {
            throw new InvalidDataException($"a format {format} header on chunk stream {chunkStream} in the middle of a message");
        }
        stream.Extended = extended;
        if (format <= 1)
        {
            stream.Length = (fields[3] << 16) | (fields[4] << 8) | fields[5];
            stream.Type = fields[6];
            if (stream.Length > MaxMessage)
            {
                throw new InvalidDataException($"a {stream.Length}-byte message");
            }
        }
        if (startsMessage)
        {
            switch (format)
            {
                case 0:
                    stream.Timestamp = timestampField;
                    stream.Delta = 0;
                    break;
                case 1:
                case 2:
                    stream.Delta = timestampField;
                    stream.Timestamp += timestampField;
                    break;
                default:
                    stream.Timestamp += stream.Delta;
                    break;
            }
            stream.Remaining = stream.Length;
            if (Keeps(stream.Type))
            {
                if (stream.Length > MaxKeptMessage)
                {
                    throw new InvalidDataException($"a {stream.Length}-byte message of type {stream.Type}");
                }
                stream.Kept = ArrayPool<byte>.Shared.Rent(Math.Max(1, stream.Length));
            }
        }
        _payloadChunkStream = chunkStream;
        _payloadLeft = Math.Min(ChunkSize, stream.Remaining);
        return total;
    }

    /// <summary>Control and command messages are read; media and data are skipped.</summary>
    private static bool Keeps(byte type) => type is (byte)RtmpMessageType.SetChunkSize or (byte)RtmpMessageType.Abort
        or (byte)RtmpMessageType.UserControl or (byte)RtmpMessageType.WindowAcknowledgementSize
        or (byte)RtmpMessageType.Amf0Command;

    private void Complete(ref ChunkStreamState stream)
    {
        var kept = stream.Kept;
        if (kept is null)
        {
            sink.OnSkippedMessage(stream.Type, stream.Timestamp, stream.Length);
            return;
        }
        stream.Kept = null;
        try
        {
            var payload = kept.AsSpan(0, stream.Length);
            switch ((RtmpMessageType)stream.Type)
            {
                case RtmpMessageType.SetChunkSize when payload.Length >= 4:
                    var size = (int)(BinaryPrimitives.ReadUInt32BigEndian(payload) & 0x7FFFFFFF);
                    ChunkSize = size is >= 1 and <= 0xFFFFFF ? size : throw new InvalidDataException($"Set Chunk Size {size}");
                    break;
                case RtmpMessageType.Abort when payload.Length >= 4:
                    var aborted = BinaryPrimitives.ReadUInt32BigEndian(payload);
                    if (aborted < MaxChunkStreams && aborted != _payloadChunkStream)
                    {
                        ref var abortedStream = ref _streams[aborted];
                        abortedStream.Remaining = 0;
                        if (abortedStream.Kept is { } partial)
                        {
                            abortedStream.Kept = null;
                            ArrayPool<byte>.Shared.Return(partial);
                        }
                    }
                    break;
            }
            sink.OnMessage(stream.Type, stream.Timestamp, payload);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(kept);
        }
    }

    /// <summary>Returns the arrays of messages still being reassembled.</summary>
    public void Dispose()
    {
        for (var i = 0; i < _streams.Length; i++)
        {
            if (_streams[i].Kept is { } kept)
            {
                _streams[i].Kept = null;
                ArrayPool<byte>.Shared.Return(kept);
            }
        }
    }

    /// <summary>What the parser remembers of one chunk stream: the last header's fields and the message in progress.</summary>
    private struct ChunkStreamState
    {
        public uint Timestamp;
        public uint Delta;
        public int Length;
        public byte Type;
        public bool Extended;
        /// <summary>Payload bytes of the current message not read yet; 0 between messages.</summary>
        public int Remaining;
        /// <summary>The reassembly array of a control or command message; null for skipped ones.</summary>
        public byte[]? Kept;
    }
}
