using System.Buffers;
using StreamHub.Hls.Playlists;
using StreamHub.Hls.Ts;
using StreamHub.Media;
using StreamHub.Media.Aac;
using StreamHub.Media.Avc;

namespace StreamHub.Hls.Segmenting;

/// <summary>Cuts one stream's frames (H.264 + AAC, either alone) into MPEG-TS segments and lists each in its
/// <see cref="SegmentWindow"/> the moment it is closed, synchronously, on the caller's thread. Not thread-safe: the
/// caller serialises calls.
/// <list type="bullet">
/// <item>A segment starts at an IDR access unit (audio-only: at any frame) and is cut at the first IDR once the target
/// duration is reached; audio-only streams are cut on time. A segment that reaches TARGETDURATION without an IDR is
/// cut anyway (and is then not independent), so a rounded EXTINF never exceeds TARGETDURATION; a gap in the frames
/// that would carry a segment past it ends the segment at TARGETDURATION and turns the gap into a discontinuity.</item>
/// <item>Clock: 90 kHz, 64 bits. A publish's first frame maps to <see cref="ClockStart"/> (1.4 s): PCR = DTS − 0.7 s
/// stays positive, and frames up to 1.4 s earlier than the first (audio priming, B-frame reordering) still get
/// positive timestamps. Anything earlier is clamped to 0; PTS is never below DTS; DTS never goes backwards within a
/// track. A new publish continues the clock from the end of the previous one.</item>
/// <item>A publisher restart, a jump in the timestamps (back by more than 1 s or forward by more than 10 s from the
/// latest frame of either track), or
/// a changed sequence header (new SPS/PPS or AudioSpecificConfig) makes the next segment start with a discontinuity
/// and a fresh program date-time; after a jump the clock is re-mapped so it stays continuous.</item>
/// <item>Memory: a segment is also cut once it holds <see cref="DefaultMaxSegmentBytes"/>, so the window bounds what
/// a stream keeps whatever its timestamps do.</item>
/// </list></summary>
public sealed class Segmenter
{
    public const long ClockStart = 1400 * 90;
    public const long JumpBackwardMs = 1_000;
    public const long JumpForwardMs = 10_000;

    /// <summary>A segment this large is cut at the next frame whatever its timestamps say (a publisher whose clock
    /// stands still would otherwise grow one segment without end): 32 MiB is 2 s at 128 Mbit/s.</summary>
    public const int DefaultMaxSegmentBytes = 32 * 1024 * 1024;

    private const long DefaultVideoFrameDuration = 40 * 90;

    /// <summary>How far past TARGETDURATION a segment may run and still round to it in EXTINF (under 0.5 s).</summary>
    private const long MaxOverrun = 400 * 90;

    private readonly SegmentWindow _window;
    private readonly TimeProvider _time;
    private readonly long _target;
    private readonly long _hardCap;
    private readonly int _maxSegmentBytes;
    private readonly SegmentBlockPool _pool;
    private readonly SegmentBuffer _segment;
    private readonly ArrayBufferWriter<byte> _accessUnit = new(64 * 1024);
    private TsMuxer? _muxer;

    private AvcDecoderConfiguration? _avc;
    private AudioSpecificConfig? _aac;

    private long? _originMs;
    private long _clockBase = ClockStart;
    private long _clockEnd;
    private long _lastVideoDts = long.MinValue;
    private long _lastAudioDts = long.MinValue;
    private long _latestDts = long.MinValue;
    private long _videoFrameDuration = DefaultVideoFrameDuration;

    private bool _open;
    private long _segmentStart;
    private bool _segmentHasVideo;
    private bool _segmentHasAudio;
    private bool _segmentIndependent;
    private bool _segmentDiscontinuity;
    private DateTimeOffset _segmentProgramDateTime;
    private DateTimeOffset? _nextProgramDateTime;
    private bool _discontinuityPending;
    private bool _published;

    /// <param name="targetDuration">Cut at the first IDR once a segment is this long.</param>
    /// <param name="pool">Where segment blocks come from and go back to; when null, a pool of this segmenter's own
    /// (tests, benchmarks).</param>
    public Segmenter(SegmentWindow window, TimeSpan targetDuration, TimeProvider time, int maxSegmentBytes = DefaultMaxSegmentBytes,
        SegmentBlockPool? pool = null)
    {
        _window = window;
        _pool = pool ?? new SegmentBlockPool();
        _segment = new SegmentBuffer(_pool);
        _time = time;
        _maxSegmentBytes = maxSegmentBytes;
        _target = (long)(targetDuration.TotalSeconds * 90_000);
        _hardCap = window.TargetDuration * 90_000L;
        if (_target > _hardCap)
        {
            throw new ArgumentOutOfRangeException(nameof(targetDuration), "The target duration exceeds the playlist's TARGETDURATION.");
        }
    }

    public SegmentWindow Window => _window;

    /// <summary>Frames not packaged: unsupported codecs, frames before their configuration or before the first IDR,
    /// malformed payloads.</summary>
    public long DroppedFrames { get; private set; }

    /// <summary>The latest H.264 configuration (for stats).</summary>
    public AvcDecoderConfiguration? VideoConfiguration => _avc;

    /// <summary>The latest AAC configuration (for stats).</summary>
    public AudioSpecificConfig? AudioConfiguration => _aac;

    /// <summary>A (new) publisher starts: an open segment is closed; after a previous publish the next segment starts
    /// with a discontinuity, the clock carries on, and the playlist loses its ENDLIST.</summary>
    public void BeginPublish()
    {
        Flush();
        _discontinuityPending = _published;
        _originMs = null;
        _clockBase = _clockEnd == 0 ? ClockStart : _clockEnd + ClockStart;
        _avc = null;
        _aac = null;
        if (_window.Ended)
        {
            _window.Reopen();
        }
    }

    /// <summary>The publisher stopped: the open segment is listed and the playlist gets ENDLIST.</summary>
    public void EndPublish()
    {
        Flush();
        _window.End();
    }

    /// <summary>Packages one frame. Returns false when the frame was dropped.</summary>
    public bool Write(MediaFrame frame)
    {
        var accepted = (frame.Kind, frame.FrameKind) switch
        {
            (MediaKind.Video, MediaFrameKind.SequenceHeader) => SetVideoConfiguration(frame),
            (MediaKind.Audio, MediaFrameKind.SequenceHeader) => SetAudioConfiguration(frame),
            (MediaKind.Video, MediaFrameKind.Coded) => frame.VideoCodec == VideoCodec.H264 && _avc is not null && WriteVideo(frame),
            (MediaKind.Audio, MediaFrameKind.Coded) => frame.AudioCodec == AudioCodec.Aac && _aac is not null && WriteAudio(frame),
            _ => true, // end of sequence: nothing to package
        };
        if (!accepted)
        {
            DroppedFrames++;
        }
        return accepted;
    }

    private bool SetVideoConfiguration(MediaFrame frame)
    {
        if (frame.VideoCodec != VideoCodec.H264 || !AvcDecoderConfiguration.TryParse(frame.Payload.Span, out var configuration))
        {
            return false;
        }
        if (_avc is not null && !SameParameterSets(_avc, configuration))
        {
            _discontinuityPending = true; // new resolution or profile mid-publish: players must reset their decoder
        }
        _avc = configuration;
        return true;
    }

    private bool SetAudioConfiguration(MediaFrame frame)
    {
        if (frame.AudioCodec != AudioCodec.Aac || !AudioSpecificConfig.TryParse(frame.Payload.Span, out var configuration)
            || configuration.ChannelConfiguration == 0)
        {
            return false;
        }
        if (_aac is not null && _aac != configuration)
        {
            _discontinuityPending = true;
        }
        _aac = configuration;
        return true;
    }

    private static bool SameParameterSets(AvcDecoderConfiguration a, AvcDecoderConfiguration b) =>
        a.NalLengthSize == b.NalLengthSize
        && a.SequenceParameterSets.SequenceEqual(b.SequenceParameterSets, ByteArrayComparer.Instance)
        && a.PictureParameterSets.SequenceEqual(b.PictureParameterSets, ByteArrayComparer.Instance);

    private sealed class ByteArrayComparer : IEqualityComparer<byte[]>
    {
        public static readonly ByteArrayComparer Instance = new();

        public bool Equals(byte[]? x, byte[]? y) => x.AsSpan().SequenceEqual(y);

        public int GetHashCode(byte[] obj) => obj.Length;
    }

    private bool WriteVideo(MediaFrame frame)
    {
        var payload = frame.Payload.Span;
        var idr = AnnexBWriter.ContainsIdr(payload, _avc!.NalLengthSize);
        CheckJump(frame.Dts, _videoFrameDuration);
        var dts = Math.Max(0, ToClock(frame.Dts));
        if (_lastVideoDts != long.MinValue && dts <= _lastVideoDts)
        {
            dts = _lastVideoDts + 1;
        }
        var pts = Math.Max(dts, dts + frame.CompositionOffset * 90L);

        if (!_open)
        {
            if (!idr)
            {
                return false;
            }
            Open(dts, hasVideo: true, hasAudio: _aac is not null, independent: true);
        }
        else
        {
            var elapsed = dts - _segmentStart;
            if (idr && (elapsed >= _target || _discontinuityPending || !_segmentHasVideo))
            {
                Cut(dts, hasVideo: true, hasAudio: _aac is not null, independent: true);
            }
            else if (elapsed >= _hardCap || _segment.WrittenCount >= _maxSegmentBytes)
            {
                Cut(dts, _segmentHasVideo, _segmentHasAudio, independent: idr);
            }
            if (!_segmentHasVideo)
            {
                return false;
            }
        }

        _accessUnit.ResetWrittenCount();
        if (!AnnexBWriter.TryWrite(payload, _avc, _accessUnit))
        {
            return false;
        }
        _muxer!.WriteVideo(_segment, _accessUnit.WrittenSpan, pts, dts, idr);
        if (_lastVideoDts != long.MinValue)
        {
            _videoFrameDuration = Math.Clamp(dts - _lastVideoDts, 1, 90_000);
        }
        _lastVideoDts = dts;
        _latestDts = Math.Max(_latestDts, dts);
        _clockEnd = Math.Max(_clockEnd, dts + _videoFrameDuration);
        return true;
    }

    private bool WriteAudio(MediaFrame frame)
    {
        var raw = frame.Payload.Span;
        if (raw.Length > AdtsHeader.MaxPayloadLength)
        {
            return false;
        }
        var config = _aac!.Value;
        var frameDuration = Math.Clamp(AudioSpecificConfig.SamplesPerFrame * 90_000L / config.SampleRate, 1, 90_000);
        CheckJump(frame.Dts, frameDuration);
        var dts = Math.Max(0, ToClock(frame.Dts));
        if (_lastAudioDts != long.MinValue && dts <= _lastAudioDts)
        {
            dts = _lastAudioDts + 1;
        }

        if (!_open)
        {
            if (_avc is not null)
            {
                return false; // video is coming: segments start at its first IDR
            }
            Open(dts, hasVideo: false, hasAudio: true, independent: true);
        }
        else
        {
            var elapsed = dts - _segmentStart;
            if (!_segmentHasVideo && (elapsed >= _target || _discontinuityPending))
            {
                Cut(dts, hasVideo: false, hasAudio: true, independent: true);
            }
            else if (elapsed >= _hardCap || _segment.WrittenCount >= _maxSegmentBytes)
            {
                Cut(dts, _segmentHasVideo, _segmentHasAudio, independent: !_segmentHasVideo);
            }
            if (!_segmentHasAudio)
            {
                return false;
            }
        }

        Span<byte> header = stackalloc byte[AdtsHeader.Length];
        AdtsHeader.Write(header, config, raw.Length);
        _muxer!.WriteAudio(_segment, header, raw, dts);
        _lastAudioDts = dts;
        _latestDts = Math.Max(_latestDts, dts);
        _clockEnd = Math.Max(_clockEnd, dts + frameDuration);
        return true;
    }

    private long ToClock(long ms)
    {
        _originMs ??= ms;
        return (ms - _originMs.Value) * 90 + _clockBase;
    }

    /// <summary>A frame more than 1 s behind or 10 s ahead of the stream's latest frame (of either track, so a jump
    /// that both tracks make is seen once, and a stall in one track is no jump) re-maps the clock so it follows the
    /// latest frame by one frame duration, and the next segment starts with a discontinuity.</summary>
    private void CheckJump(long ms, long frameDuration)
    {
        if (_latestDts == long.MinValue || _originMs is null)
        {
            return;
        }
        var delta = ToClock(ms) - _latestDts;
        if (delta < -JumpBackwardMs * 90 || delta > JumpForwardMs * 90)
        {
            _originMs += (delta - frameDuration) / 90;
            _discontinuityPending = true;
        }
    }

    private void Cut(long at, bool hasVideo, bool hasAudio, bool independent)
    {
        Close(at);
        Open(at, hasVideo, hasAudio, independent);
    }

    private void Open(long start, bool hasVideo, bool hasAudio, bool independent)
    {
        if (_muxer is null)
        {
            _muxer = new TsMuxer(hasVideo, hasAudio);
        }
        else
        {
            _muxer.SetTracks(hasVideo, hasAudio);
        }
        _muxer.WriteTables(_segment);
        _open = true;
        _segmentStart = start;
        _segmentHasVideo = hasVideo;
        _segmentHasAudio = hasAudio;
        _segmentIndependent = independent;
        _segmentDiscontinuity = _discontinuityPending;
        _discontinuityPending = false;
        _segmentProgramDateTime = _segmentDiscontinuity || _nextProgramDateTime is null
            ? _time.GetUtcNow()
            : _nextProgramDateTime.Value;
    }

    private void Close(long end)
    {
        var length = Math.Max(1, end - _segmentStart);
        if (length > _hardCap + MaxOverrun)
        {
            // A gap in the frames (a stalled encoder) that would make the rounded EXTINF exceed TARGETDURATION: the
            // segment ends at TARGETDURATION (its frames all lie within it) and the gap becomes a discontinuity.
            length = _hardCap;
            _discontinuityPending = true;
        }
        var duration = TimeSpan.FromTicks(length * TimeSpan.TicksPerSecond / 90_000);
        var entry = new PlaylistEntry(_window.NextSequence, duration, _segmentDiscontinuity, _segmentProgramDateTime, _segmentIndependent);
        var data = _segment.Detach(out var blocks);
        _window.Add(new Segment(entry, data, blocks, _pool));
        _nextProgramDateTime = _segmentProgramDateTime + duration;
        _open = false;
        _published = true;
    }

    /// <summary>The stream is going away: the open segment's blocks go back to the pool unlisted, and the window
    /// releases every segment.</summary>
    public void Discard()
    {
        _segment.Dispose();
        _open = false;
        _window.Discard();
    }

    /// <summary>Lists the open segment, if any, with its duration up to the end of its last frame.</summary>
    private void Flush()
    {
        if (_open)
        {
            Close(Math.Max(_clockEnd, _segmentStart + 1));
        }
    }
}
