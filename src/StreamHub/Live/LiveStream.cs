using Microsoft.Extensions.Logging.Abstractions;
using StreamHub.Diagnostics;
using StreamHub.Diagnostics.Metrics;
using StreamHub.Media;
using StreamHub.Media.Aac;
using StreamHub.Media.Av1;
using StreamHub.Media.Avc;
using StreamHub.Media.Hevc;

namespace StreamHub.Live;

/// <summary>One publish of one stream, from publish to unpublish, keyed by the stream's public name. The publisher
/// hands every frame to <see cref="Write"/>; the stream keeps the latest sequence headers and metadata (for consumers
/// that join late) and fans each frame out to the sinks, which it calls directly, and to the subscriptions
/// (<see cref="Subscribe"/>), which it queues to.</summary>
public sealed class LiveStream
{
    private readonly IMediaSink[] _sinks;

    // A sink that threw is skipped for the rest of this publish: one error line, not one per frame.
    private readonly bool[] _sinkFailed;
    private readonly ILogger _logger;
    private MediaFrame? _videoSequenceHeader;
    private MediaFrame? _audioSequenceHeader;
    private readonly CancellationTokenSource _stopped = new();
    private readonly IngestCounters? _ingest;
    private long _videoFrames;
    private long _audioFrames;
    private long _bytes;
    private long _anomalies;
    private long _firstVideoDts = long.MinValue;
    private long _lastVideoDts = long.MinValue;
    private long _lastAudioDts = long.MinValue;
    private long _lastKeyframeDts = long.MinValue;
    private long _keyframeIntervalMs = -1;
    private long _ignoredTrackFrames;
    private bool _multitrackReported;
    private bool _keptThroughKeyChange;

    // Copy-on-write: Subscribe and Unsubscribe swap a new array in with Interlocked; the publisher reads one snapshot
    // per frame, so the fan-out takes no lock. Null once the publish has ended.
    private LiveSubscription[]? _subscriptions = [];
    private int _unprimed;
    private readonly LiveOptions _liveOptions;
    private readonly GopCache _gop;

    /// <summary>Readers woken by the frame being written, woken together at its end (publisher's thread).</summary>
    internal SubscriberWakes Wakes { get; } = new();

    // The GOP cache holds a GOP of pooled frames per stream: it starts with the first subscription, so a stream that
    // nobody subscribes to holds (and churns through the pool) no more than before.
    private volatile bool _gopCached;
    private long _lastDts;

    /// <summary>Levels of a subscription's objects asked for ahead of offering it a frame (<see cref="LiveSubscription.PrefetchForOffer"/>),
    /// and the subscriptions between two levels: an offer takes a fraction of a memory access, so a level is asked
    /// for a few offers before the next one reads it.</summary>
    private const int OfferPrefetchLevels = 3;

    private const int OfferPrefetchStep = 2;

    // Coded audio of a stream with video, held here (publisher's thread) until the next frame that is not held, and
    // then handed to each subscriber together with it: a subscriber's reader would only be woken for that frame anyway
    // (LiveSubscription.HoldsAudio), and the publisher then visits each of hundreds of subscriptions once per video
    // frame instead of once per frame, each visit a few cache misses. Held no longer than a subscriber would hold it
    // (SubscriberAudioHoldMilliseconds of media time).
    private const int MaxHeldAudio = 16;
    private readonly MediaFrame?[] _heldAudio = new MediaFrame?[MaxHeldAudio];
    private int _heldCount;

    /// <summary>A jump forward in a track's timestamps larger than this counts as an anomaly.</summary>
    public const long TimestampJumpMs = 5_000;

    internal LiveStream(string name, PublisherInfo publisher, DateTimeOffset startedAt, IMediaSink[] sinks, TimeProvider? time = null,
        StreamHubMetrics? metrics = null, ILogger? logger = null, LiveOptions? liveOptions = null)
    {
        _liveOptions = liveOptions ?? new LiveOptions();
        _gop = new GopCache(_liveOptions);
        _gopCached = _liveOptions.GopCacheAlways;
        Name = name;
        Publisher = publisher;
        StartedAt = startedAt;
        _sinks = sinks;
        _sinkFailed = new bool[sinks.Length];
        _logger = logger ?? NullLogger.Instance;
        Bitrate = new BitrateMeter(time ?? TimeProvider.System);
        _ingest = metrics?.IngestFor(name);
    }

    /// <summary>The public name (never the key).</summary>
    public string Name { get; }

    public PublisherInfo Publisher { get; }
    public DateTimeOffset StartedAt { get; }

    /// <summary>onMetaData from the encoder (width, height, framerate, encoder, ...), as AMF values.</summary>
    public IReadOnlyDictionary<string, object?> Metadata { get; private set; } = new Dictionary<string, object?>();

    public MediaFrame? VideoSequenceHeader => _videoSequenceHeader;
    public MediaFrame? AudioSequenceHeader => _audioSequenceHeader;

    public long VideoFrames => Interlocked.Read(ref _videoFrames);
    public long AudioFrames => Interlocked.Read(ref _audioFrames);
    public long BytesReceived => Interlocked.Read(ref _bytes);

    public long TimestampAnomalies => Interlocked.Read(ref _anomalies);

    /// <summary>Frames (sequence headers included) of Enhanced RTMP tracks other than the default one: neither packaged
    /// nor played, nor counted in the other figures.</summary>
    public long IgnoredTrackFrames => Interlocked.Read(ref _ignoredTrackFrames);
    public BitrateMeter Bitrate { get; }
    public TrackInfo? Video { get; private set; }
    public TrackInfo? Audio { get; private set; }

    /// <summary>onMetaData's encoder when the encoder sent one, else what connect said (flashVer).</summary>
    public string? Encoder => Metadata.TryGetValue("encoder", out var encoder) && encoder is string text ? text : Publisher.Encoder;

    /// <summary>Measured video frames per second since the publish began.</summary>
    public double? FrameRate
    {
        get
        {
            var span = Volatile.Read(ref _lastVideoDts) - Volatile.Read(ref _firstVideoDts);
            var frames = VideoFrames;
            return frames > 1 && span > 0 && _firstVideoDts != long.MinValue ? Math.Round((frames - 1) * 1000.0 / span, 2) : null;
        }
    }

    public TimeSpan? KeyframeInterval => Volatile.Read(ref _keyframeIntervalMs) is var ms and >= 0 ? TimeSpan.FromMilliseconds(ms) : null;

    /// <summary>Cancelled when the stream must stop (its key was deleted): the publisher's connection closes.</summary>
    public CancellationToken Stopped => _stopped.Token;

    /// <summary>Asks the publisher to stop (its connection is closed); the stream ends as on any disconnect.</summary>
    public void Stop() => _stopped.Cancel();

    /// <summary>An admin changed the stream's key or rules with disconnect=false and this publisher was kept: a later
    /// check of its key against the store (<see cref="Cluster.ClusterNotices"/>) leaves it alone unless the stream
    /// is deleted.</summary>
    public bool KeptThroughKeyChange => Volatile.Read(ref _keptThroughKeyChange);

    public void KeepThroughKeyChange() => Volatile.Write(ref _keptThroughKeyChange, true);

    /// <summary>Takes the encoder's onMetaData. Its strings are the peer's text, shown in the stats API and on the
    /// dashboard: they are escaped and cut here (<see cref="PeerText"/>), names and nested values included.
    /// Called on the publisher's thread; subscribers get the new metadata in order with the frames.</summary>
    public void SetMetadata(IReadOnlyDictionary<string, object?> metadata)
    {
        var safe = SanitizeObject(metadata);
        try
        {
            HandOverHeldAudio();
            PrimeNewSubscribers();
            Metadata = safe;
            if (Volatile.Read(ref _subscriptions) is { } subscriptions)
            {
                foreach (var subscription in subscriptions)
                {
                    if (subscription.Primed)
                    {
                        subscription.OfferMetadata(safe);
                    }
                }
            }
        }
        finally
        {
            Wakes.Dispatch();
        }
    }

    /// <summary>Subscribers now, for stats.</summary>
    public int SubscriberCount => Volatile.Read(ref _subscriptions)?.Length ?? 0;

    /// <summary>The GOP cache's frames and payload bytes now (publisher's view; for stats and tests).</summary>
    internal (int Frames, long Bytes) GopCacheSize => (_gop.Count, _gop.Bytes);

    /// <summary>Subscribes a consumer: from the publisher's next frame on, it is handed the sequence headers,
    /// onMetaData and the GOP cache, then every live frame, in order, with no gap or duplicate between the two (the
    /// publisher's thread does both). On a stream that has ended, the subscription is already ended. The stream
    /// keeps a GOP cache from its first subscription on (the first subscriber starts at the next keyframe).</summary>
    public LiveSubscription Subscribe(SubscriptionOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var subscription = new LiveSubscription(this, options, _liveOptions);
        if (options.StartsGopCache)
        {
            _gopCached = true;
        }
        while (true)
        {
            var current = Volatile.Read(ref _subscriptions);
            if (current is null)
            {
                subscription.Complete(SubscriptionEnd.PublishEnded);
                return subscription;
            }
            LiveSubscription[] next = [.. current, subscription];
            if (Interlocked.CompareExchange(ref _subscriptions, next, current) == current)
            {
                Interlocked.Increment(ref _unprimed);
                return subscription;
            }
        }
    }

    /// <summary>Takes a subscription out of the fan-out (its Dispose, or the publisher removing it).</summary>
    internal bool Unsubscribe(LiveSubscription subscription)
    {
        while (true)
        {
            var current = Volatile.Read(ref _subscriptions);
            var index = current is null ? -1 : Array.IndexOf(current, subscription);
            if (index < 0)
            {
                return false;
            }
            var next = new LiveSubscription[current!.Length - 1];
            Array.Copy(current, 0, next, 0, index);
            Array.Copy(current, index + 1, next, index, next.Length - index);
            if (Interlocked.CompareExchange(ref _subscriptions, next, current) == current)
            {
                if (subscription.ClaimPriming())
                {
                    // Never primed: the publisher will not see it again, so it must not wait for it.
                    Interlocked.Decrement(ref _unprimed);
                }
                return true;
            }
        }
    }

    /// <summary>Publisher's thread: hands new subscribers the start of the stream as it stands before the frame
    /// being written.</summary>
    private void PrimeNewSubscribers()
    {
        if (Volatile.Read(ref _unprimed) == 0 || Volatile.Read(ref _subscriptions) is not { } subscriptions)
        {
            return;
        }
        foreach (var subscription in subscriptions)
        {
            if (subscription.ClaimPriming())
            {
                subscription.Prime(_videoSequenceHeader, _audioSequenceHeader, Metadata, _gop, _lastDts);
                Interlocked.Decrement(ref _unprimed);
            }
        }
    }

    private static Dictionary<string, object?> SanitizeObject(IReadOnlyDictionary<string, object?> values)
    {
        var safe = new Dictionary<string, object?>(values.Count, StringComparer.Ordinal);
        foreach (var (name, value) in values)
        {
            safe[PeerText.Sanitize(name, 64)!] = SanitizeValue(value);
        }
        return safe;
    }

    private static object? SanitizeValue(object? value) => value switch
    {
        string text => PeerText.Sanitize(text),
        IReadOnlyDictionary<string, object?> nested => SanitizeObject(nested),
        List<object?> items => items.Select(SanitizeValue).ToList(),
        _ => value,
    };

    /// <summary>Hands a frame to every sink. The caller keeps its own reference and releases it after this returns.
    /// Only the default track (<see cref="MediaFrame.TrackId"/> 0) goes on: the sinks, the subscribers, the sequence
    /// headers and the figures know one video and one audio track, and a second track's frames mixed into them would
    /// corrupt both (see <see cref="IgnoreTrack"/>).</summary>
    public void Write(MediaFrame frame)
    {
        if (frame.TrackId != 0)
        {
            IgnoreTrack(frame.Kind, frame.TrackId);
            return;
        }
        try
        {
            Fan(frame);
        }
        finally
        {
            // Whatever happened on the way, a reader this frame woke is not left waiting for the next one.
            Wakes.Dispatch();
        }
    }

    private void Fan(MediaFrame frame)
    {
        var hold = HoldsAudio(frame);
        if (!hold && Volatile.Read(ref _unprimed) != 0)
        {
            // Subscribers that join are primed only here, after the held audio went to the others (a joiner's GOP
            // cache already holds that audio); otherwise the held audio goes with this frame, in one visit each.
            HandOverHeldAudio();
            PrimeNewSubscribers();
        }
        Interlocked.Add(ref _bytes, frame.Payload.Length);
        Bitrate.Add(frame.Payload.Length);
        if (frame.FrameKind == MediaFrameKind.SequenceHeader)
        {
            Describe(frame);
            ref var slot = ref frame.Kind == MediaKind.Video ? ref _videoSequenceHeader : ref _audioSequenceHeader;
            var previous = slot;
            slot = frame.Retain();
            previous?.Release();
        }
        else if (frame.FrameKind == MediaFrameKind.Coded)
        {
            _ingest?.FrameReceived(frame.Kind == MediaKind.Video, frame.Payload.Length);
            if (frame.Kind == MediaKind.Video)
            {
                Interlocked.Increment(ref _videoFrames);
                CheckTimestamp(ref _lastVideoDts, frame.Dts);
                if (_firstVideoDts == long.MinValue)
                {
                    _firstVideoDts = frame.Dts;
                }
                if (frame.IsKeyframe)
                {
                    if (_lastKeyframeDts != long.MinValue && frame.Dts > _lastKeyframeDts)
                    {
                        Volatile.Write(ref _keyframeIntervalMs, frame.Dts - _lastKeyframeDts);
                    }
                    _lastKeyframeDts = frame.Dts;
                }
            }
            else
            {
                Interlocked.Increment(ref _audioFrames);
                CheckTimestamp(ref _lastAudioDts, frame.Dts);
            }
            if (_gopCached)
            {
                _gop.Add(frame, _videoSequenceHeader is not null);
            }
        }
        _lastDts = frame.Dts;

        for (var i = 0; i < _sinks.Length; i++)
        {
            if (_sinkFailed[i])
            {
                continue;
            }
            try
            {
                _sinks[i].OnFrame(this, frame);
            }
            catch (Exception ex)
            {
                SinkFailed(i, ex, "frame");
            }
        }

        if (hold)
        {
            _heldAudio[_heldCount++] = frame.Retain();
            return;
        }
        Offer(frame);
    }

    /// <summary>Whether <paramref name="frame"/> waits with the audio held before it (see <see cref="_heldAudio"/>).</summary>
    private bool HoldsAudio(MediaFrame frame)
    {
        var holdMs = _liveOptions.SubscriberAudioHoldMilliseconds;
        return holdMs > 0 && frame.Kind == MediaKind.Audio && frame.FrameKind == MediaFrameKind.Coded
            && _videoSequenceHeader is not null && _heldCount < MaxHeldAudio
            && Volatile.Read(ref _subscriptions) is { Length: > 0 }
            && (_heldCount == 0 || frame.Dts - _heldAudio[0]!.Dts < holdMs);
    }

    /// <summary>Offers the held audio, then <paramref name="frame"/> if there is one, to every primed subscriber, one
    /// subscriber after another.</summary>
    private void Offer(MediaFrame? frame)
    {
        var held = _heldCount;
        var count = held + (frame is null ? 0 : 1);
        if (count == 0)
        {
            return;
        }
        try
        {
            if (Volatile.Read(ref _subscriptions) is not { Length: > 0 } subscriptions)
            {
                return;
            }
            Span<int> unused = stackalloc int[count];
            unused.Clear();
            // One reference for each subscription, taken at once and the unused ones given back after: an atomic
            // change of a frame's count per subscription would contend with the players releasing the frames
            // they have sent.
            for (var f = 0; f < count; f++)
            {
                FrameAt(f, frame).Retain(subscriptions.Length);
            }
            for (var s = 0; s < subscriptions.Length; s++)
            {
                // The subscriptions a few places on are asked for ahead, a level of their objects per step
                // (LiveSubscription.PrefetchForOffer): each is in memory the cache no longer holds.
                for (var level = 0; level < OfferPrefetchLevels; level++)
                {
                    var ahead = s + (OfferPrefetchLevels - level) * OfferPrefetchStep;
                    if (ahead < subscriptions.Length)
                    {
                        LiveSubscription.PrefetchForOffer(subscriptions[ahead], level);
                    }
                }
                var subscription = subscriptions[s];
                if (!subscription.Primed)
                {
                    for (var f = 0; f < count; f++)
                    {
                        unused[f]++;
                    }
                    continue;
                }
                var behind = false;
                for (var f = 0; f < count; f++)
                {
                    var next = FrameAt(f, frame);
                    // A place a subscriber that dropped frames can resume from: a video keyframe, or any audio frame
                    // of a stream without video.
                    var syncPoint = next.Kind == MediaKind.Video ? next.IsKeyframe : _videoSequenceHeader is null;
                    var queued = false;
                    // One behind for too long is offered nothing more.
                    behind = behind || !subscription.Offer(next, syncPoint, out queued);
                    if (!queued)
                    {
                        unused[f]++;
                    }
                }
                if (behind)
                {
                    RemoveBehind(subscription);
                }
            }
            for (var f = 0; f < count; f++)
            {
                if (unused[f] > 0)
                {
                    FrameAt(f, frame).Release(unused[f]);
                }
            }
        }
        finally
        {
            for (var i = 0; i < held; i++)
            {
                _heldAudio[i]!.Release();
                _heldAudio[i] = null;
            }
            _heldCount = 0;
        }
    }

    private MediaFrame FrameAt(int index, MediaFrame? last) => index < _heldCount ? _heldAudio[index]! : last!;

    /// <summary>Hands the held audio to the subscribers before anything else reaches them.</summary>
    private void HandOverHeldAudio()
    {
        if (_heldCount > 0)
        {
            Offer(null);
        }
    }

    /// <summary>Publisher's thread: a frame of a track other than the default one (Enhanced RTMP multitrack) was
    /// left out, here or already by the tag reader (several tracks in one message). Counted, and said once per
    /// publish, so whoever wonders where a track went finds it in the log.</summary>
    public void IgnoreTrack(MediaKind kind, byte trackId)
    {
        Interlocked.Increment(ref _ignoredTrackFrames);
        if (!_multitrackReported)
        {
            _multitrackReported = true;
            LiveLog.MultitrackIgnored(_logger, Name, kind, trackId);
        }
    }

    private void RemoveBehind(LiveSubscription subscription)
    {
        if (Unsubscribe(subscription))
        {
            subscription.Complete(SubscriptionEnd.FellBehind);
            LiveLog.SubscriberRemoved(_logger, Name, subscription.Name,
                $"behind for more than {_liveOptions.SubscriberMaxBehindSeconds:0.###} s, {subscription.DroppedFrames} frames ({subscription.DroppedBytes} bytes) dropped");
        }
    }

    /// <summary>A sink's bug is its own: the publisher (whose read loop calls the sinks) and the other sinks go on.</summary>
    private void SinkFailed(int index, Exception exception, string phase)
    {
        _sinkFailed[index] = true;
        LiveLog.SinkFailed(_logger, exception, _sinks[index].GetType().Name, Name, phase);
    }

    private void CheckTimestamp(ref long last, long dts)
    {
        if (last != long.MinValue && (dts < last || dts - last > TimestampJumpMs))
        {
            Interlocked.Increment(ref _anomalies);
        }
        Volatile.Write(ref last, dts);
    }

    /// <summary>Reads codec, picture size, sample rate and channels from a sequence header, once per header.</summary>
    private void Describe(MediaFrame header)
    {
        var payload = header.Payload.Span;
        if (header.Kind == MediaKind.Video)
        {
            if (header.VideoCodec == VideoCodec.H264 && AvcDecoderConfiguration.TryParse(payload, out var avc))
            {
                var picture = avc.SequenceParameterSet;
                Video = new TrackInfo("H264", avc.CodecString, picture?.Width, picture?.Height);
            }
            else if (header.VideoCodec == VideoCodec.Hevc && HevcDecoderConfiguration.TryParse(payload, out var hevc))
            {
                var picture = hevc.SequenceParameterSet;
                Video = new TrackInfo("Hevc", hevc.CodecString, picture?.Width, picture?.Height);
            }
            else if (header.VideoCodec == VideoCodec.Av1 && Av1CodecConfiguration.TryParse(payload, out var av1))
            {
                Video = new TrackInfo("Av1", av1.CodecString, av1.Width, av1.Height);
            }
            else
            {
                Video = new TrackInfo(header.VideoCodec.ToString(), null);
            }
        }
        else if (header.AudioCodec == AudioCodec.Aac && AudioSpecificConfig.TryParse(payload, out var aac))
        {
            Audio = new TrackInfo("Aac", $"mp4a.40.{aac.ObjectType}", SampleRate: aac.SampleRate, Channels: aac.ChannelConfiguration);
        }
        else
        {
            Audio = new TrackInfo(header.AudioCodec.ToString(), null);
        }
    }

    internal void Start()
    {
        for (var i = 0; i < _sinks.Length; i++)
        {
            try
            {
                _sinks[i].OnPublishStarted(this);
            }
            catch (Exception ex)
            {
                SinkFailed(i, ex, "publish start");
            }
        }
    }

    internal void End()
    {
        // Every sink hears of the end, a failed one too: it may hold resources of this publish to let go.
        for (var i = 0; i < _sinks.Length; i++)
        {
            try
            {
                _sinks[i].OnPublishEnded(this);
            }
            catch (Exception ex)
            {
                SinkFailed(i, ex, "publish end");
            }
        }
        HandOverHeldAudio();
        // Every subscriber is completed: it reads what is queued, then sees the end; its Dispose releases the rest.
        if (Interlocked.Exchange(ref _subscriptions, null) is { } subscriptions)
        {
            foreach (var subscription in subscriptions)
            {
                subscription.Complete(SubscriptionEnd.PublishEnded);
            }
        }
        _gop.Clear();
        Interlocked.Exchange(ref _videoSequenceHeader, null)?.Release();
        Interlocked.Exchange(ref _audioSequenceHeader, null)?.Release();
    }
}
