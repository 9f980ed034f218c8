using StreamHub.Hls.Fmp4;
using StreamHub.Hls.Segmenting;
using StreamHub.Hls.Ts;
using StreamHub.Live;
using StreamHub.Media;

namespace StreamHub.Hls;

/// <summary>The HLS side of one public stream name: its segmenter and window, which outlive a publish so a publisher
/// that comes back keeps the same playlist and growing sequence numbers. Publisher calls are serialised by a lock
/// (only publisher threads take it, so it is uncontended except during a hand-over); readers use
/// <see cref="Snapshot"/> without locking.</summary>
internal sealed class HlsStream : IDisposable
{
    private readonly Lock _gate = new();
    private readonly Segmenter _segmenter;
    private readonly ILogger _logger;
    private LiveStream? _publisher;
    private bool _warnedVideo;
    private bool _warnedAudio;
    private bool _warnedKeyframes;

    // Set under _gate on the first frame of a kind that cannot be packaged, read by stats without it (a reference
    // write is atomic).
    private volatile string? _videoProblem;
    private volatile string? _audioProblem;
    private readonly double _segmentTarget;
    private ITimer? _expiry;

    // Written under _gate by publisher and timer threads, read without it by HTTP threads (IsExpired). A
    // DateTimeOffset? is wider than one atomic write, so a reader could see half of an update: the end time is kept
    // as UTC ticks in a long (0 while live) read and written with Volatile, and Removed is a volatile bool.
    private long _endedAtTicks;
    private volatile bool _removed;

    /// <param name="container">The container the stream's segments are written in (the server's setting or the
    /// stream's own); video that MPEG-TS cannot carry moves a TS stream to fMP4.</param>
    /// <param name="lowLatency">Whether fMP4 segments are listed part by part (the server's setting or the stream's own).</param>
    public HlsStream(string name, HlsOptions options, HlsContainer container, long firstSequence, TimeProvider time, SegmentBlockPool blocks,
        ILogger logger, bool? lowLatency = null)
    {
        Name = name;
        _logger = logger;
        _segmentTarget = options.SegmentDurationSeconds;
        Container = container;
        LowLatency = lowLatency ?? options.LowLatency;
        var window = new SegmentWindow(options.WindowSegments, options.MinimumTargetDurationSeconds, firstSequence,
            options.PartTarget(container, LowLatency), time);
        ISegmentWriter writer = container == HlsContainer.Ts ? new TsSegmentWriter() : new CmafSegmentWriter();
        _segmenter = new Segmenter(window, TimeSpan.FromSeconds(options.SegmentDurationSeconds), time, pool: blocks,
            maxDuration: TimeSpan.FromSeconds(options.MaxSegmentDurationSeconds), writer: writer,
            fallback: container == HlsContainer.Ts ? new CmafSegmentWriter() : null);
    }

    /// <summary>The container the stream was set up with (its segments may have moved to fMP4 since: see
    /// <see cref="SegmentExtension"/>).</summary>
    public HlsContainer Container { get; }

    /// <summary>The low-latency switch the stream was set up with.</summary>
    public bool LowLatency { get; }

    /// <summary>The container segments are written in now (a TS stream that sent HEVC or AV1 has moved to fMP4).</summary>
    public HlsContainer ContainerInUse => _segmenter.Writer is TsSegmentWriter ? HlsContainer.Ts : HlsContainer.Fmp4;

    /// <summary>Whether segments are listed part by part (low latency on, and fMP4 from the start).</summary>
    public bool PartsListed => _segmenter.Window.PartTarget is not null;

    /// <summary>The init segment now (<c>init{n}.mp4</c>); null before the first one and for MPEG-TS.</summary>
    public int? InitVersion => _segmenter.Writer.InitVersion is var version and not 0 ? version : null;

    /// <summary>What of this publish cannot be packaged, in words; null when everything can.</summary>
    public string? PackagingProblem => (_videoProblem, _audioProblem) switch
    {
        (null, null) => null,
        ({ } video, null) => video,
        (null, { } audio) => audio,
        ({ } video, { } audio) => video + " " + audio,
    };

    /// <summary>The container segments are written in now.</summary>
    public string SegmentExtension => _segmenter.Writer.Extension;

    public string Name { get; }

    public PlaylistSnapshot Snapshot => _segmenter.Window.Snapshot;

    public long SegmentsProduced => _segmenter.Window.SegmentsProduced;

    /// <summary>EXT-X-TARGETDURATION now.</summary>
    public int TargetDuration => _segmenter.Window.TargetDuration;

    /// <summary>The encoder's keyframe interval as the segmenter measures it (the longest of recent GOPs).</summary>
    public TimeSpan? KeyframeInterval => _segmenter.KeyframeInterval;

    /// <summary>Segments cut without a keyframe.</summary>
    public long ForcedCuts => _segmenter.ForcedCuts;

    /// <summary>When the last publisher stopped; null while one is live.</summary>
    public DateTimeOffset? EndedAt
    {
        get => Volatile.Read(ref _endedAtTicks) is var ticks and not 0 ? new DateTimeOffset(ticks, TimeSpan.Zero) : null;
        private set => Volatile.Write(ref _endedAtTicks, value?.UtcTicks ?? 0);
    }

    /// <summary>Set once the stream has been dropped from the packager; a publisher arriving then makes a new one.</summary>
    public bool Removed
    {
        get => _removed;
        private set => _removed = value;
    }

    /// <summary>Starts packaging for <paramref name="publisher"/>; false when this state was already removed.</summary>
    public bool Begin(LiveStream publisher)
    {
        lock (_gate)
        {
            if (Removed)
            {
                return false;
            }
            var restart = _publisher is not null || EndedAt is not null;
            _expiry?.Dispose();
            _expiry = null;
            _publisher = publisher;
            EndedAt = null;
            _warnedVideo = _warnedAudio = _warnedKeyframes = false;
            _videoProblem = _audioProblem = null;
            _segmenter.BeginPublish();
            if (restart)
            {
                HlsLog.Restarted(_logger, Name);
            }
            else
            {
                HlsLog.Started(_logger, Name);
            }
            return true;
        }
    }

    public void Write(LiveStream publisher, MediaFrame frame)
    {
        lock (_gate)
        {
            if (!ReferenceEquals(publisher, _publisher))
            {
                return; // a publisher that has been replaced
            }
            var next = _segmenter.Window.NextSequence;
            var targetDuration = _segmenter.Window.TargetDuration;
            var forcedCuts = _segmenter.ForcedCuts;
            if (!_segmenter.Write(frame))
            {
                WarnUnsupported(frame);
            }
            if (_segmenter.MovedToFallbackFor is { } codec)
            {
                _segmenter.MovedToFallbackFor = null;
                HlsLog.MovedToFmp4(_logger, Name, codec);
            }
            if (_segmenter.Window.NextSequence != next)
            {
                SegmentListed(next, targetDuration, forcedCuts);
            }
        }
    }

    /// <summary>Ends packaging for <paramref name="publisher"/> (ignored when another publisher has taken over).
    /// Returns true when the stream is now ended and should expire after the grace period.</summary>
    public bool End(LiveStream publisher, DateTimeOffset now)
    {
        lock (_gate)
        {
            if (!ReferenceEquals(publisher, _publisher))
            {
                return false;
            }
            _segmenter.EndPublish();
            _publisher = null;
            EndedAt = now;
            return true;
        }
    }

    public void SetExpiry(ITimer timer)
    {
        lock (_gate)
        {
            _expiry?.Dispose();
            _expiry = timer;
        }
    }

    /// <summary>A timer that fired before the wall clock reached the end of the grace period (timers and the clock
    /// are different clocks) runs again shortly after it.</summary>
    public void RescheduleExpiry(DateTimeOffset now, TimeSpan grace)
    {
        lock (_gate)
        {
            if (Removed || EndedAt is not { } ended || _expiry is null)
            {
                return;
            }
            var remaining = ended + grace - now;
            _expiry.Change((remaining > TimeSpan.Zero ? remaining : TimeSpan.Zero) + TimeSpan.FromMilliseconds(20), Timeout.InfiniteTimeSpan);
        }
    }

    /// <summary>Marks the stream removed if it is still ended and its grace period is over; its segments go back to
    /// the block pool (once the responses sending them are done).</summary>
    public bool TryExpire(DateTimeOffset now, TimeSpan grace)
    {
        lock (_gate)
        {
            if (Removed || EndedAt is not { } ended || now < ended + grace)
            {
                return false;
            }
            Removed = true;
            _expiry?.Dispose();
            _expiry = null;
            _segmenter.Discard();
            return true;
        }
    }

    /// <summary>Marks an ended stream removed at once, grace period or not (its settings changed); false while a
    /// publisher is live on it or it is already removed.</summary>
    public bool TryRetire()
    {
        lock (_gate)
        {
            if (Removed || _publisher is not null)
            {
                return false;
            }
            Removed = true;
            _expiry?.Dispose();
            _expiry = null;
            _segmenter.Discard();
            return true;
        }
    }

    /// <summary>Called from HTTP threads without the lock: each field is read once, atomically (see above).</summary>
    public bool IsExpired(DateTimeOffset now, TimeSpan grace) => Removed || (EndedAt is { } ended && now >= ended + grace);

    /// <summary>Log lines for a segment just listed: at Debug, the segment; as warnings, what the encoder should
    /// change (once per publish) and a target duration that had to grow or a cut without a keyframe.</summary>
    private void SegmentListed(long previousNext, int previousTargetDuration, long previousForcedCuts)
    {
        var window = _segmenter.Window;
        if (_logger.IsEnabled(LogLevel.Debug))
        {
            var segment = window.Snapshot.Segments[^1];
            HlsLog.SegmentListed(_logger, Name, segment.Sequence, segment.Entry.Duration.TotalSeconds, segment.Data.Length);
        }
        if (!_warnedKeyframes && _segmenter.KeyframeInterval is { } interval && interval.TotalSeconds >= _segmentTarget + 0.5)
        {
            _warnedKeyframes = true;
            HlsLog.LongKeyframeInterval(_logger, Name, interval.TotalSeconds, _segmentTarget, window.TargetDuration);
        }
        if (window.TargetDuration != previousTargetDuration && previousNext != window.Snapshot.Segments[0].Sequence)
        {
            HlsLog.TargetDurationRaised(_logger, Name, previousTargetDuration, window.TargetDuration);
        }
        if (_segmenter.ForcedCuts != previousForcedCuts)
        {
            HlsLog.CutWithoutKeyframe(_logger, Name, _segmenter.MaxDuration.TotalSeconds);
        }
    }

    private void WarnUnsupported(MediaFrame frame)
    {
        var unsupported = frame.Kind == MediaKind.Video
            ? !_segmenter.Writer.CanCarry(frame.VideoCodec) || (frame.FrameKind == MediaFrameKind.SequenceHeader)
            : frame.AudioCodec != AudioCodec.Aac || (frame.FrameKind == MediaFrameKind.SequenceHeader);
        if (!unsupported)
        {
            return; // e.g. a frame before the first IDR: expected
        }
        ref var warned = ref frame.Kind == MediaKind.Video ? ref _warnedVideo : ref _warnedAudio;
        if (!warned)
        {
            warned = true;
            if (frame.Kind == MediaKind.Video)
            {
                _videoProblem = frame.FrameKind == MediaFrameKind.SequenceHeader && _segmenter.Writer.CanCarry(frame.VideoCodec)
                    ? $"The {frame.VideoCodec} video's sequence header is not valid: video is left out of HLS."
                    : $"{frame.VideoCodec} video cannot be packaged in HLS (H.264, HEVC and AV1 only): video is left out of HLS; publish H.264, HEVC or AV1.";
            }
            else
            {
                _audioProblem = frame.FrameKind == MediaFrameKind.SequenceHeader && frame.AudioCodec == AudioCodec.Aac
                    ? "The AAC audio's sequence header is not valid: audio is left out of HLS."
                    : $"{frame.AudioCodec} audio cannot be packaged in HLS (AAC only): audio is left out of HLS; publish AAC.";
            }
            HlsLog.Unsupported(_logger, Name, frame.Kind,
                frame.Kind == MediaKind.Video ? frame.VideoCodec.ToString() : frame.AudioCodec.ToString());
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _expiry?.Dispose();
            _expiry = null;
            if (!Removed)
            {
                Removed = true;
                _publisher = null;
                _segmenter.Discard();
            }
        }
    }
}
