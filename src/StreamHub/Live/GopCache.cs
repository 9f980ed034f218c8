using StreamHub.Media;

namespace StreamHub.Live;

/// <summary>The coded frames since the last video keyframe (audio and video, in arrival order), retained, so a
/// subscriber that joins late starts decoding at once. Bounded by bytes, media time and frames: a GOP that outgrows
/// the bounds is let go, and nothing is cached until the next keyframe. A stream without video caches its audio
/// frames the same way, from the first one (each is a place to start). Publisher's thread only; its storage grows to
/// the largest GOP seen and is then reused, so steady state allocates nothing.</summary>
internal sealed class GopCache(LiveOptions options)
{
    private readonly long _maxBytes = options.GopCacheMaxBytes;
    private readonly long _maxMediaMs = (long)(options.GopCacheMaxSeconds * 1000);
    private readonly int _maxFrames = options.GopCacheMaxSeconds > 0 ? options.SubscriberQueueMaxFrames / 2 : 0;
    private MediaFrame[] _frames = new MediaFrame[64];
    private int _count;
    private long _bytes;
    private bool _overflowed;

    public int Count => _count;

    public long Bytes => _bytes;

    public MediaFrame this[int index] => _frames[index];

    /// <summary>The cache begins with a video keyframe (so a joiner needs nothing before it).</summary>
    public bool StartsWithKeyframe => _count > 0 && _frames[0].Kind == MediaKind.Video && _frames[0].IsKeyframe;

    /// <summary>Takes a coded frame; <paramref name="streamHasVideo"/>: whether the stream has sent a video sequence header.</summary>
    public void Add(MediaFrame frame, bool streamHasVideo)
    {
        if (_maxFrames == 0)
        {
            return;
        }
        if (frame.Kind == MediaKind.Video && frame.IsKeyframe)
        {
            Clear();
            _overflowed = false;
        }
        else if (_overflowed || (_count == 0 && streamHasVideo))
        {
            // No keyframe to start from: nothing a joiner could decode.
            return;
        }
        if (_count == _maxFrames || _bytes + frame.Payload.Length > _maxBytes
            || (_count > 0 && frame.Dts - _frames[0].Dts > _maxMediaMs))
        {
            Clear();
            _overflowed = streamHasVideo;
            if (streamHasVideo)
            {
                return;
            }
        }
        if (_count == _frames.Length)
        {
            Array.Resize(ref _frames, Math.Min(_frames.Length * 2, _maxFrames));
        }
        _frames[_count++] = frame.Retain();
        _bytes += frame.Payload.Length;
    }

    public void Clear()
    {
        for (var i = 0; i < _count; i++)
        {
            _frames[i].Release();
            _frames[i] = null!;
        }
        _count = 0;
        _bytes = 0;
    }
}
