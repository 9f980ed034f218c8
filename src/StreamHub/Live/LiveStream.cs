using Microsoft.Extensions.Logging.Abstractions;
using StreamHub.Diagnostics;
using StreamHub.Diagnostics.Metrics;
using StreamHub.Media;
using StreamHub.Media.Aac;
using StreamHub.Media.Avc;

namespace StreamHub.Live;

/// <summary>One publish of one stream, from publish to unpublish, keyed by the stream's public name. The publisher
/// hands every frame to <see cref="Write"/>; the stream keeps the latest sequence headers and metadata (for consumers
/// that join late) and fans each frame out to the sinks.</summary>
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

    /// <summary>A jump forward in a track's timestamps larger than this counts as an anomaly.</summary>
    public const long TimestampJumpMs = 5_000;

    internal LiveStream(string name, PublisherInfo publisher, DateTimeOffset startedAt, IMediaSink[] sinks, TimeProvider? time = null,
        StreamHubMetrics? metrics = null, ILogger? logger = null)
    {
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

    /// <summary>Takes the encoder's onMetaData. Its strings are the peer's text, shown in the stats API and on the
    /// dashboard: they are escaped and cut here (<see cref="PeerText"/>), names and nested values included.</summary>
    public void SetMetadata(IReadOnlyDictionary<string, object?> metadata) => Metadata = SanitizeObject(metadata);

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

    /// <summary>Hands a frame to every sink. The caller keeps its own reference and releases it after this returns.</summary>
    public void Write(MediaFrame frame)
    {
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
        }

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
        Interlocked.Exchange(ref _videoSequenceHeader, null)?.Release();
        Interlocked.Exchange(ref _audioSequenceHeader, null)?.Release();
    }
}
