using System.Buffers;

namespace StreamHub.Media;

/// <summary>One audio or video message, parsed once from its FLV tag body (the RTMP message), shared by every
/// consumer. The payload lives in a pooled array with a reference count: a consumer that keeps the frame past the
/// call that handed it over calls <see cref="Retain()"/>, and <see cref="Release()"/> when done; the last release returns
/// the array to the pool.</summary>
public sealed class MediaFrame
{
    private byte[] _buffer;
    private int _length;
    private int _references;

    // One shared encoded form of the frame (see GetOrAddEncoding): made by the first consumer that asks, read by the
    // rest. _encodingState: 0 none, 1 being written, 2 ready, 3 the encoder threw (no shared form).
    private byte[]? _encoded;
    private int _encodedLength;
    private int _encodingKey;
    private int _encodingState;

    private MediaFrame(byte[] buffer, int length)
    {
        _buffer = buffer;
        _length = length;
        _references = 1;
    }

    public MediaKind Kind { get; init; }
    public MediaFrameKind FrameKind { get; init; }
    public VideoCodec VideoCodec { get; init; }
    public AudioCodec AudioCodec { get; init; }

    /// <summary>A video frame that a decoder can start from (FLV frame type 1).</summary>
    public bool IsKeyframe { get; init; }

    /// <summary>Decode timestamp in milliseconds on the stream's 64-bit clock (the RTMP 32-bit timestamp, unwrapped).</summary>
    public long Dts { get; init; }

    /// <summary>Composition time offset in milliseconds, signed (SI24 in the FLV AVC/HEVC header): PTS = DTS + this.</summary>
    public int CompositionOffset { get; init; }

    public long Pts => Dts + CompositionOffset;

    /// <summary>Enhanced RTMP multitrack id; 0 for the default track.</summary>
    public byte TrackId { get; init; }

    /// <summary>The codec payload after the FLV audio/video header: configuration record, AVCC NAL units, or a raw
    /// audio frame.</summary>
    public ReadOnlyMemory<byte> Payload => new(_buffer, 0, _length);

    /// <summary>A frame with a pooled payload of <paramref name="payload"/>'s bytes (one copy, from the reassembled
    /// RTMP message; consumers share it).</summary>
    public static MediaFrame Create(ReadOnlySequence<byte> payload, MediaKind kind, MediaFrameKind frameKind, long dts,
        int compositionOffset = 0, bool isKeyframe = false, VideoCodec videoCodec = VideoCodec.None,
        AudioCodec audioCodec = AudioCodec.None, byte trackId = 0)
    {
        var length = checked((int)payload.Length);
        var buffer = ArrayPool<byte>.Shared.Rent(Math.Max(length, 1));
        payload.CopyTo(buffer);
        return Wrap(buffer, length, kind, frameKind, dts, compositionOffset, isKeyframe, videoCodec, audioCodec, trackId);
    }

    /// <inheritdoc cref="Create(ReadOnlySequence{byte}, MediaKind, MediaFrameKind, long, int, bool, VideoCodec, AudioCodec, byte)"/>
    public static MediaFrame Create(ReadOnlySpan<byte> payload, MediaKind kind, MediaFrameKind frameKind, long dts,
        int compositionOffset = 0, bool isKeyframe = false, VideoCodec videoCodec = VideoCodec.None,
        AudioCodec audioCodec = AudioCodec.None, byte trackId = 0)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(Math.Max(payload.Length, 1));
        payload.CopyTo(buffer);
        return Wrap(buffer, payload.Length, kind, frameKind, dts, compositionOffset, isKeyframe, videoCodec, audioCodec, trackId);
    }

    private static MediaFrame Wrap(byte[] buffer, int length, MediaKind kind, MediaFrameKind frameKind, long dts,
        int compositionOffset, bool isKeyframe, VideoCodec videoCodec, AudioCodec audioCodec, byte trackId) => new(buffer, length)
    {
        Kind = kind,
        FrameKind = frameKind,
        Dts = dts,
        CompositionOffset = compositionOffset,
        IsKeyframe = isKeyframe,
        VideoCodec = videoCodec,
        AudioCodec = audioCodec,
        TrackId = trackId,
    };

    /// <summary>Writes this frame's encoded form for one output into <c>destination</c> and returns its length.</summary>
    public delegate int Encoder(MediaFrame frame, Span<byte> destination, int key);

    /// <summary>The bytes an output sends for this frame (RTMP chunks at one chunk size, say), encoded once by the first
    /// consumer that asks and shared by every other consumer asking with the same <paramref name="key"/>: fan-out to N
    /// players formats each frame once, not N times. The bytes live in a pooled array returned with the payload, so
    /// they are valid while the caller holds its reference to the frame, and pinned (<see cref="PinnedBufferPool"/>): a
    /// socket send passes them to the kernel by address. Returns an empty memory when the frame's one
    /// slot holds another key's form: the caller then encodes the frame itself. Takes no lock: a consumer that finds
    /// the form being written spins for the few microseconds it takes.</summary>
    /// <param name="maxLength">An upper bound of the encoded length for this frame.</param>
    /// <param name="encode">A static method or lambda: nothing is allocated per call.</param>
    public ReadOnlyMemory<byte> GetOrAddEncoding(int key, int maxLength, Encoder encode)
    {
        var state = Volatile.Read(ref _encodingState);
        if (state == 0 && (state = Interlocked.CompareExchange(ref _encodingState, 1, 0)) == 0)
        {
            var buffer = PinnedBufferPool.Shared.Rent(maxLength);
            try
            {
                _encodedLength = encode(this, buffer, key);
            }
            catch
            {
                // Consumers spinning on the form being written must not spin for ever: they encode for themselves.
                PinnedBufferPool.Shared.Return(buffer);
                Volatile.Write(ref _encodingState, 3);
                throw;
            }
            _encoded = buffer;
            _encodingKey = key;
            Volatile.Write(ref _encodingState, 2);
            return new ReadOnlyMemory<byte>(buffer, 0, _encodedLength);
        }
        if (state == 1)
        {
            var spin = new SpinWait();
            while ((state = Volatile.Read(ref _encodingState)) == 1)
            {
                spin.SpinOnce();
            }
        }
        return state == 2 && _encodingKey == key ? new ReadOnlyMemory<byte>(_encoded, 0, _encodedLength) : ReadOnlyMemory<byte>.Empty;
    }

    /// <summary>Whether <paramref name="array"/> is this frame's shared encoding, which is always a
    /// <see cref="PinnedBufferPool"/> array (so the caller may hand its address to the kernel).</summary>
    internal bool IsPinnedEncoding(byte[]? array) => array is not null && ReferenceEquals(array, _encoded);

    public MediaFrame Retain()
    {
        if (Interlocked.Increment(ref _references) <= 1)
        {
            throw new InvalidOperationException("MediaFrame retained after its last release.");
        }
        return this;
    }

    /// <summary>Takes <paramref name="count"/> references at once (one atomic operation), for a caller that hands
    /// the frame to that many holders; those it did not hand it to go back with <see cref="Release(int)"/>.</summary>
    public void Retain(int count)
    {
        if (Interlocked.Add(ref _references, count) <= count)
        {
            throw new InvalidOperationException("MediaFrame retained after its last release.");
        }
    }

    public void Release() => Release(1);

    /// <summary>Gives back <paramref name="count"/> references at once.</summary>
    public void Release(int count)
    {
        var left = Interlocked.Add(ref _references, -count);
        if (left == 0)
        {
            var buffer = _buffer;
            _buffer = [];
            _length = 0;
            ArrayPool<byte>.Shared.Return(buffer);
            if (_encoded is { } encoded)
            {
                _encoded = null;
                PinnedBufferPool.Shared.Return(encoded);
            }
        }
        else if (left < 0)
        {
            throw new InvalidOperationException("MediaFrame released more times than retained.");
        }
    }
}
