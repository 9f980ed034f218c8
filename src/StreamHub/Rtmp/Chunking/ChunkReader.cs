using System.Buffers;
using System.Buffers.Binary;
using StreamHub.Rtmp.Messages;

namespace StreamHub.Rtmp.Chunking;

/// <summary>Demultiplexes the chunk stream into messages (RTMP 1.0 §5.3). Synchronous and free of I/O: it only looks at
/// the bytes it is given and the per-chunk-stream state it keeps.
/// <code>
/// +--------------+----------------+--------------------+--------------+
/// | Basic Header | Message Header | Extended Timestamp |  Chunk Data  |
/// +--------------+----------------+--------------------+--------------+
/// basic header: fmt(2) csid(6); csid 0 → 1 more byte (64..319); csid 1 → 2 more bytes, LE (64..65599)
/// fmt 0 (11): timestamp(3) length(3) type(1) stream id(4, LE)
/// fmt 1 (7):  delta(3) length(3) type(1)
/// fmt 2 (3):  delta(3)
/// fmt 3 (0):  everything inherited
/// extended timestamp (4): present when the 24-bit field is 0xFFFFFF; on fmt 3 when the stream's last fmt 0/1/2 had
/// one — read by peeking and consumed only when it equals that value (older librtmp/OBS omit it).
/// </code>
/// Every length the peer chooses is checked before anything is buffered; chunk payloads are copied once, into the
/// chunk stream's pooled reassembly buffer, which is reused for the next message (no allocation per chunk).</summary>
public sealed class ChunkReader : IDisposable
{
    public const int DefaultChunkSize = 128;
    private const uint TimestampEscape = 0xFFFFFF;

    private readonly ChunkStreamTable _streams;
    private readonly int _maxMessageSize;
    private readonly int _maxCommandSize;
    private readonly int _maxChunkSize;
    private readonly long _maxBufferedBytes;
    private long _bufferedBytes;

    /// <param name="maxMessageSize">Largest audio, video or aggregate message.</param>
    /// <param name="maxCommandSize">Largest message of any other type (commands, data, control, shared objects):
    /// AMF is parsed whole, so those stay small.</param>
    public ChunkReader(int maxMessageSize, int maxChunkSize, int maxChunkStreams, int maxCommandSize = int.MaxValue)
    {
        _maxMessageSize = maxMessageSize;
        _maxCommandSize = Math.Min(maxCommandSize, maxMessageSize);
        MaxMediaMessageSize = maxMessageSize;
        _maxChunkSize = maxChunkSize;
        // Reassembly buffers of all chunk streams together: room for one largest message being assembled while
        // others (audio, commands) complete beside it. Many chunk streams each holding a large partial message is an
        // attack, not an encoder.
        _maxBufferedBytes = 2L * maxMessageSize + 64 * 1024;
        _streams = new ChunkStreamTable(maxChunkStreams);
    }

    /// <summary>Largest audio, video or aggregate message accepted now (at most the constructor's maxMessageSize): the
    /// server keeps it at the command limit until a publish is accepted, so a peer without a key cannot make it
    /// buffer megabytes.</summary>
    public int MaxMediaMessageSize
    {
        get;
        set => field = Math.Min(value, _maxMessageSize);
    }

    /// <summary>The peer's chunk size, set by its Set Chunk Size messages.</summary>
    public int ChunkSize { get; private set; } = DefaultChunkSize;

    public int ChunkStreamCount => _streams.Count;

    /// <summary>A timestamp the caller sets before each read (the reader has no clock): a message that begins is stamped
    /// with it, so <see cref="OldestPartialMessageStart"/> can say how long the oldest unfinished message has waited.</summary>
    public long Now { get; set; }

    /// <summary>When the oldest message still being reassembled began (its first chunk's <see cref="Now"/>), or
    /// <see cref="long.MaxValue"/> when no message is part way.</summary>
    public long OldestPartialMessageStart()
    {
        var oldest = long.MaxValue;
        var all = _streams.All;
        for (var i = 0; i < all.Count; i++)
        {
            var stream = all[i];
            if (stream.InProgress && stream.MessageStartedAt < oldest)
            {
                oldest = stream.MessageStartedAt;
            }
        }
        return oldest;
    }

    /// <summary>Bytes held by the reassembly buffers of all chunk streams.</summary>
    public long BufferedBytes => _bufferedBytes;

    /// <summary>Applies the peer's Set Chunk Size (§5.4.1): 0 and bit 31 are refused; values above 0xFFFFFF act as
    /// 0xFFFFFF; the result must be within the configured maximum.</summary>
    public void SetChunkSize(uint size)
    {
        if (size == 0 || size > 0x7FFFFFFF)
        {
            RtmpThrow.InvalidChunkSize(size, _maxChunkSize);
        }
        var effective = Math.Min(size, 0xFFFFFFu);
        if (effective > (uint)_maxChunkSize)
        {
            RtmpThrow.InvalidChunkSize(size, _maxChunkSize);
        }
        ChunkSize = (int)effective;
    }

    /// <summary>Abort (§5.4.2): drops the partial message of a chunk stream.</summary>
    public void Abort(uint chunkStreamId)
    {
        var stream = chunkStreamId <= 65599 ? _streams.Find((int)chunkStreamId) : null;
        if (stream is not null)
        {
            stream.Received = 0;
            stream.Completed = false;
        }
    }

    /// <summary>Reads chunks until one completes a message. Whole chunks before it are consumed (their bytes are in
    /// the reassembly buffers); a chunk that is not all there is left in <paramref name="buffer"/> untouched.</summary>
    public bool TryRead(ref ReadOnlySequence<byte> buffer, out RtmpMessage message)
    {
        while (TryReadChunk(ref buffer, out var stream))
        {
            if (stream.Completed)
            {
                message = stream.ToMessage();
                return true;
            }
        }
        message = default;
        return false;
    }

    private bool TryReadChunk(ref ReadOnlySequence<byte> buffer, out ChunkStream stream)
    {
        stream = null!;
        var reader = new SequenceReader<byte>(buffer);
        if (!reader.TryRead(out var first))
        {
            return false;
        }
        var format = first >> 6;
        int id = first & 0x3F;
        if (id == 0)
        {
            if (!reader.TryRead(out var b1))
            {
                return false;
            }
            id = 64 + b1;
        }
        else if (id == 1)
        {
            if (!reader.TryRead(out var b1) || !reader.TryRead(out var b2))
            {
                return false;
            }
            id = 64 + b1 + (b2 << 8);
        }

        Span<byte> header = stackalloc byte[11];
        var headerLength = format switch { 0 => 11, 1 => 7, 2 => 3, _ => 0 };
        if (headerLength > 0)
        {
            if (!reader.TryCopyTo(header[..headerLength]))
            {
                return false;
            }
            reader.Advance(headerLength);
        }

        var existing = _streams.Find(id);
        if (format >= 2 && existing is not { HasHeader: true })
        {
            RtmpThrow.ProtocolError(RtmpError.MissingChunkHeader, $"chunk format {format} on chunk stream {id} before any full header");
        }

        uint field = 0;
        var length = existing?.MessageLength ?? 0;
        var type = existing?.MessageType ?? 0;
        var streamId = existing?.MessageStreamId ?? 0;
        if (format <= 2)
        {
            field = (uint)(header[0] << 16 | header[1] << 8 | header[2]);
        }
        if (format <= 1)
        {
            length = header[3] << 16 | header[4] << 8 | header[5];
            type = (RtmpMessageType)header[6];
            var limit = type is RtmpMessageType.Audio or RtmpMessageType.Video or RtmpMessageType.Aggregate ? MaxMediaMessageSize : _maxCommandSize;
            if (length > limit)
            {
                RtmpThrow.MessageTooLarge(type, length, limit);
            }
        }
        if (format == 0)
        {
            streamId = BinaryPrimitives.ReadUInt32LittleEndian(header[7..]);
        }

        var extended = false;
        uint extendedValue = 0;
        if (format <= 2)
        {
            if (field == TimestampEscape)
            {
                if (!reader.TryReadBigEndian(out int value))
                {
                    return false;
                }
                extended = true;
                extendedValue = (uint)value;
                field = extendedValue;
            }
        }
        else if (existing!.HasExtendedTimestamp)
        {
            Span<byte> peek = stackalloc byte[4];
            if (!reader.TryCopyTo(peek))
            {
                return false;
            }
            if (BinaryPrimitives.ReadUInt32BigEndian(peek) == existing.ExtendedTimestamp)
            {
                reader.Advance(4);
            }
        }

        var continuing = format == 3 && existing!.InProgress;
        var received = continuing ? existing!.Received : 0;
        var chunkLength = Math.Min(ChunkSize, length - received);
        if (reader.Remaining < chunkLength)
        {
            return false;
        }

        // The whole chunk is here: commit the header to the chunk stream.
        stream = existing ?? _streams.GetOrAdd(id);
        if (!continuing)
        {
            switch (format)
            {
                case 0:
                    stream.Timestamp = field;
                    // FFmpeg and librtmp reuse a fmt-0 timestamp as the delta of a following fmt-3 new message.
                    stream.TimestampDelta = field;
                    break;
                case 1:
                case 2:
                    stream.TimestampDelta = field;
                    stream.Timestamp += field;
                    break;
                default:
                    stream.Timestamp += stream.TimestampDelta;
                    break;
            }
            if (format <= 2)
            {
                stream.HasExtendedTimestamp = extended;
                stream.ExtendedTimestamp = extendedValue;
            }
            stream.HasHeader = true;
            stream.MessageLength = length;
            stream.MessageType = type;
            stream.MessageStreamId = streamId;
            stream.Received = 0;
            stream.Completed = false;
            stream.MessageStartedAt = Now;
            stream.AdvanceClock();
        }

        if (chunkLength > 0)
        {
            var target = stream.GrowthTarget(stream.Received + chunkLength);
            if (target > 0)
            {
                if (_bufferedBytes - stream.Buffer.Length + target > _maxBufferedBytes)
                {
                    RtmpThrow.ProtocolError(RtmpError.TooMuchBuffered,
                        $"partial messages on {_streams.Count} chunk streams would hold more than {_maxBufferedBytes} bytes");
                }
                _bufferedBytes += stream.Grow(target);
            }
            reader.TryCopyTo(stream.Buffer.AsSpan(stream.Received, chunkLength));
            reader.Advance(chunkLength);
            stream.Received += chunkLength;
        }
        stream.Completed = stream.Received == stream.MessageLength;
        buffer = buffer.Slice(reader.Position);
        return true;
    }

    public void Dispose() => _streams.Dispose();
}
