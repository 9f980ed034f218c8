using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using StreamHub.Hls.Segmenting;
using StreamHub.Live;
using StreamHub.Media;

namespace StreamHub.Hls;

/// <summary>The HLS sink: packages every live stream into MPEG-TS segments kept in memory, by public stream name.
/// Work per frame is synchronous and bounded (remux, no transcoding), so a segment is listed in the same call that
/// hands over its closing keyframe. A stream whose publisher stopped stays readable, with ENDLIST, for
/// <see cref="HlsOptions.EndedStreamGraceSeconds"/>; a publisher that returns within that time continues the same
/// playlist after a discontinuity.</summary>
public sealed class HlsPackager : IMediaSink, IDisposable
{
    private readonly ConcurrentDictionary<string, HlsStream> _streams = new(StringComparer.Ordinal);
    private readonly HlsOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<HlsPackager> _logger;
    private readonly TimeSpan _grace;
    private readonly SegmentBlockPool _blocks;
    private readonly bool _ownsBlocks;

    private readonly HlsViewers? _viewers;

    /// <param name="blocks">The server's segment block pool; when null, a pool of this packager's own (tests).</param>
    public HlsPackager(IOptions<HlsOptions> options, TimeProvider time, ILogger<HlsPackager> logger, HlsViewers? viewers = null,
        SegmentBlockPool? blocks = null)
    {
        _viewers = viewers;
        _ownsBlocks = blocks is null;
        _blocks = blocks ?? new SegmentBlockPool();
        _options = options.Value;
        _time = time;
        _logger = logger;
        _grace = TimeSpan.FromSeconds(_options.EndedStreamGraceSeconds);
    }

    public void OnPublishStarted(LiveStream stream)
    {
        while (true)
        {
            // The first media sequence number is the Unix time in seconds. Segments are cut at no less than the target
            // (at least 1 s) except around restarts and discontinuities, so a stream that starts again after a server
            // restart almost always keeps MEDIA-SEQUENCE growing, without any persisted state (best effort).
            // The stream's own settings (read with its key at admission) win over the server's.
            var container = stream.Publisher.Hls.Container ?? _options.Container;
            var lowLatency = stream.Publisher.Hls.LowLatency ?? _options.LowLatency;
            var state = _streams.GetOrAdd(stream.Name, static (name, args) =>
                new HlsStream(name, args.self._options, args.container, args.self._time.GetUtcNow().ToUnixTimeSeconds(), args.self._time,
                    args.self._blocks, args.self._logger, args.lowLatency), (self: this, container, lowLatency));
            if (state.IsExpired(_time.GetUtcNow(), _grace))
            {
                Expire(state); // its grace period ran out before the timer did: start afresh
            }
            else if ((state.Container != container || state.LowLatency != lowLatency) && state.TryRetire())
            {
                // Its settings changed since the last publish: a new playlist, as after a grace period.
                HlsLog.SettingsChanged(_logger, stream.Name, StreamHlsSettings.Format(container), lowLatency);
            }
            else if (state.Begin(stream))
            {
                return;
            }
            _streams.TryRemove(new KeyValuePair<string, HlsStream>(stream.Name, state));
        }
    }

    public void OnFrame(LiveStream stream, MediaFrame frame)
    {
        if (_streams.TryGetValue(stream.Name, out var state))
        {
            state.Write(stream, frame);
        }
    }

    public void OnPublishEnded(LiveStream stream)
    {
        if (!_streams.TryGetValue(stream.Name, out var state) || !state.End(stream, _time.GetUtcNow()))
        {
            return;
        }
        HlsLog.Ended(_logger, stream.Name, _options.EndedStreamGraceSeconds, _viewers?.Count(stream.Name) ?? 0, state.SegmentsProduced);
        state.SetExpiry(_time.CreateTimer(static s =>
        {
            var (self, expiring) = ((HlsPackager, HlsStream))s!;
            if (!self.Expire(expiring))
            {
                expiring.RescheduleExpiry(self._time.GetUtcNow(), self._grace);
            }
        }, (this, state), _grace, Timeout.InfiniteTimeSpan));
    }

    /// <summary>The current playlist and fetchable segments of a stream; false when the name is unknown or its
    /// grace period is over.</summary>
    public bool TryGetSnapshot(string name, out PlaylistSnapshot snapshot)
    {
        if (_streams.TryGetValue(name, out var state))
        {
            if (!state.IsExpired(_time.GetUtcNow(), _grace))
            {
                snapshot = state.Snapshot;
                return true;
            }
            Expire(state);
        }
        snapshot = PlaylistSnapshot.Empty;
        return false;
    }

    /// <summary>EXT-X-TARGETDURATION of a stream, or 0 when it has no HLS state.</summary>
    public int TargetDuration(string name) => _streams.TryGetValue(name, out var state) ? state.TargetDuration : 0;

    /// <summary>Segments produced for <paramref name="name"/> while it has HLS state; null when it has none.</summary>
    public long? SegmentsProduced(string name) => _streams.TryGetValue(name, out var state) ? state.SegmentsProduced : null;

    /// <summary>The HLS state of a stream (live or in its grace period), for stats.</summary>
    internal HlsStream? Find(string name) => _streams.TryGetValue(name, out var state) ? state : null;

    public HlsOptions Options => _options;

    /// <summary>Where every stream's segment bytes live.</summary>
    public SegmentBlockPool Blocks => _blocks;

    /// <summary>Names of the streams that have HLS state now (live or in their grace period).</summary>
    public IReadOnlyCollection<string> StreamNames => (IReadOnlyCollection<string>)_streams.Keys;

    /// <summary>Drops a stream whose grace period is over; false when it is not over (or the stream is live again).</summary>
    private bool Expire(HlsStream state)
    {
        if (!state.TryExpire(_time.GetUtcNow(), _grace))
        {
            return false;
        }
        if (_streams.TryRemove(new KeyValuePair<string, HlsStream>(state.Name, state)))
        {
            HlsLog.Removed(_logger, state.Name);
        }
        return true;
    }

    public void Dispose()
    {
        foreach (var state in _streams.Values)
        {
            state.Dispose();
        }
        _streams.Clear();
        if (_ownsBlocks)
        {
            _blocks.Dispose();
        }
    }
}
