using System.Buffers;

namespace StreamHub.Media;

/// <summary>One audio or video message, parsed once from its FLV tag body (the RTMP message), shared by every
/// consumer. The payload lives in a pooled array with a reference count: a consumer that keeps the frame past the
/// call that handed it over calls <see cref="Retain"/>, and <see cref="Release"/> when done; the last release returns
/// the array to the pool.</summary>
public sealed class MediaFrame
{
    private byte[] _buffer;
    private int _length;
    private int _references;

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

    public MediaFrame Retain()
    {
        if (Interlocked.Increment(ref _references) <= 1)
        {
            throw new InvalidOperationException("MediaFrame retained after its last release.");
        }
        return this;
    }

    public void Release()
    {
        var left = Interlocked.Decrement(ref _references);
        if (left == 0)
        {
            var buffer = _buffer;
            _buffer = [];
            _length = 0;
            ArrayPool<byte>.Shared.Return(buffer);
        }
        else if (left < 0)
        {
            throw new InvalidOperationException("MediaFrame released more times than retained.");
        }
    }
}
