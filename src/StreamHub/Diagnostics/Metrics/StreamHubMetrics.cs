using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using StreamHub.Hls;
using StreamHub.Hosting;
using StreamHub.Live;
using StreamHub.Playback;

namespace StreamHub.Diagnostics.Metrics;

/// <summary>StreamHub's own instruments (meter <c>StreamHub</c>), named the Prometheus way. Per-stream series carry the
/// stream's public name, never its key.</summary>
public sealed class StreamHubMetrics : IDisposable
{
    public const string MeterName = "StreamHub";

    private readonly Meter _meter;
    private readonly ConcurrentDictionary<string, IngestCounters> _ingest = new(StringComparer.Ordinal);
    private readonly IngestCounters _ingestOverflow = new(null);
    private readonly Counter<long> _publishAttempts;
    private readonly Counter<long> _sentBytes;
    private readonly Histogram<double> _blockingWake;
    private readonly IServiceProvider _services;

    public StreamHubMetrics(IMeterFactory meters, ListenerTable listeners, IServiceProvider services, TimeProvider time)
    {
        _meter = meters.Create(MeterName);
        _services = services;
        var started = time.GetTimestamp();
        // Ingest counters are read at scrape time from plain per-stream fields: nothing per frame but two adds.
        _meter.CreateObservableCounter("streamhub_ingest_received_bytes_total", () => IngestSeries().Select(c =>
            new Measurement<long>(c.Bytes, StreamTag(c))), "By", "Media payload bytes received from publishers, by stream.");
        _meter.CreateObservableCounter("streamhub_ingest_frames_total", () => IngestSeries().SelectMany(c => new[]
        {
            new Measurement<long>(c.VideoFrames, StreamTag(c), new("kind", "video")),
            new Measurement<long>(c.AudioFrames, StreamTag(c), new("kind", "audio")),
        }), null, "Audio and video frames received from publishers, by stream and kind.");
        _publishAttempts = _meter.CreateCounter<long>("streamhub_publish_attempts_total", null, "Publish attempts, by result (accepted, unknown_key, expired, already_live, live_on_other_node, store_unavailable, address_denied).");
        _sentBytes = _meter.CreateCounter<long>("streamhub_hls_sent_bytes_total", "By", "HLS playlist and segment bytes sent to players, by stream.");
        // One server-wide series: its buckets answer "are blocked low-latency players woken within 10 ms?".
        _blockingWake = _meter.CreateHistogram("streamhub_hls_blocking_wake_seconds", "s",
            "Low-latency HLS blocking playlist reloads that waited: from the playlist that answered them being published to the answer being handed to the connection.",
            tags: null, advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1] });
        _meter.CreateObservableCounter("streamhub_hls_segments_total", () =>
        {
            var packager = services.GetRequiredService<HlsPackager>();
            return packager.StreamNames.Select(name => new Measurement<long>(packager.SegmentsProduced(name) ?? 0, new KeyValuePair<string, object?>("stream", name)));
        }, null, "HLS segments produced, by stream (while the stream has HLS state).");
        _meter.CreateObservableGauge("streamhub_hls_viewers", () =>
        {
            var viewers = services.GetRequiredService<HlsViewers>();
            return viewers.Streams.ToArray().Select(name => new Measurement<int>(viewers.Count(name), new KeyValuePair<string, object?>("stream", name)));
        }, null, "Distinct HLS players that fetched the stream's playlist in the last 10 s.");
        _meter.CreateObservableGauge("streamhub_hls_segment_memory_bytes", () =>
        {
            var blocks = services.GetRequiredService<HlsPackager>().Blocks;
            return new[]
            {
                new Measurement<long>(blocks.BytesInUse, new KeyValuePair<string, object?>("state", "in_use")),
                new Measurement<long>(blocks.BytesFree, new KeyValuePair<string, object?>("state", "free")),
            };
        }, "By", "Memory of the HLS segment block pool: blocks held by segments (in_use, whole blocks) and blocks kept for reuse (free).");
        // Players (RTMP, HTTP-FLV) are read from the player registry at scrape time, like the ingest counters.
        _meter.CreateObservableGauge("streamhub_players", () => PlayerSeries().SelectMany(s => new[]
        {
            new Measurement<int>(s.Counts.Rtmp, s.Tag, RtmpTag),
            new Measurement<int>(s.Counts.HttpFlv, s.Tag, HttpFlvTag),
        }), null, "RTMP and HTTP-FLV players connected now, by stream and protocol (HLS viewers: streamhub_hls_viewers).");
        _meter.CreateObservableGauge("streamhub_players_connected", () =>
        {
            var total = services.GetRequiredService<PlayerRegistry>().Total;
            return new[] { new Measurement<int>(total.Rtmp, RtmpTag), new Measurement<int>(total.HttpFlv, HttpFlvTag) };
        }, null, "RTMP and HTTP-FLV players connected now, all streams, by protocol.");
        _meter.CreateObservableCounter("streamhub_player_sent_bytes_total", () => PlayerSeries().SelectMany(s => new[]
        {
            new Measurement<long>(s.Counts.RtmpBytesSent, s.Tag, RtmpTag),
            new Measurement<long>(s.Counts.HttpFlvBytesSent, s.Tag, HttpFlvTag),
        }), "By", "Bytes written to RTMP and HTTP-FLV players, by stream and protocol (while the stream is live or has players).");
        _meter.CreateObservableCounter("streamhub_player_dropped_frames_total", () => PlayerSeries().Select(s =>
            new Measurement<long>(s.Counts.FramesDropped, s.Tag)), null,
            "Frames skipped because a player was behind, players connected now included, by stream (while the stream is live or has players).");
        _meter.CreateObservableGauge("streamhub_streams_live", () => services.GetRequiredService<LiveStreamRegistry>().All.Count, null, "Streams being published now.");
        _meter.CreateObservableGauge("streamhub_listener_connections", () => listeners.All.Select(l =>
            new Measurement<int>(l.Connections, new KeyValuePair<string, object?>("listener", l.Name))), null, "Connections open now, by listener.");
        _meter.CreateObservableGauge("streamhub_stream_bitrate_bits_per_second", () => services.GetRequiredService<LiveStreamRegistry>().All.Select(s =>
            new Measurement<long>(s.Bitrate.BitsPerSecond(), new KeyValuePair<string, object?>("stream", s.Name))), "bit/s", "Measured ingest bitrate of each live stream over the last 5 s.");
        _meter.CreateObservableCounter("streamhub_uptime_seconds_total", () => time.GetElapsedTime(started).TotalSeconds, "s", "Seconds since the process started.");
    }

    /// <summary>This host's meter (a process running several hosts, as tests do, has one per host).</summary>
    public Meter Meter => _meter;

    /// <summary>The ingest counters of a stream name, looked up once per publish. Past
    /// <see cref="MaxIngestStreams"/> names, new names share one overflow series.</summary>
    public IngestCounters IngestFor(string stream) =>
        _ingest.TryGetValue(stream, out var counters) ? counters
        : _ingest.Count >= MaxIngestStreams ? _ingestOverflow
        : _ingest.GetOrAdd(stream, static name => new IngestCounters(name));

    /// <summary>Stream names with their own ingest series (the frames instrument has two series per name).</summary>
    public const int MaxIngestStreams = PrometheusExporter.MaxSeriesPerInstrument / 2 - 1;

    private IEnumerable<IngestCounters> IngestSeries() =>
        _ingestOverflow.Bytes > 0 ? _ingest.Values.Append(_ingestOverflow) : _ingest.Values;

    private static KeyValuePair<string, object?> StreamTag(IngestCounters counters) =>
        counters.Stream is { } name ? new("stream", name) : new("overflow", "true");

    /// <summary>Stream names with their own player series (two per name: rtmp and http_flv); the rest are summed
    /// into one overflow series, as the exporter's own fold would only keep the last value of an observable.</summary>
    public const int MaxPlayerStreams = PrometheusExporter.MaxSeriesPerInstrument / 2 - 1;

    private static readonly KeyValuePair<string, object?> RtmpTag = new("protocol", "rtmp");
    private static readonly KeyValuePair<string, object?> HttpFlvTag = new("protocol", "http_flv");
    private static readonly KeyValuePair<string, object?> OverflowTag = new("overflow", "true");

    private IEnumerable<(KeyValuePair<string, object?> Tag, PlayerCounts Counts)> PlayerSeries()
    {
        // In name order, so a name keeps its own series from one scrape to the next while the set is stable.
        var streams = _services.GetRequiredService<PlayerRegistry>().PerStream().OrderBy(s => s.Key, StringComparer.Ordinal).ToArray();
        var series = streams.Take(MaxPlayerStreams).Select(s => (new KeyValuePair<string, object?>("stream", s.Key), s.Value)).ToList();
        if (streams.Length > MaxPlayerStreams)
        {
            series.Add((OverflowTag, streams.Skip(MaxPlayerStreams).Aggregate(default(PlayerCounts), (sum, s) => sum + s.Value)));
        }
        return series;
    }

    public void PublishAttempt(string result) => _publishAttempts.Add(1, new KeyValuePair<string, object?>("result", result));

    public void HlsBytesSent(string stream, long bytes) => _sentBytes.Add(bytes, new KeyValuePair<string, object?>("stream", stream));

    /// <summary>A blocking playlist reload that waited was answered <paramref name="sincePublished"/> after the playlist
    /// it got was published.</summary>
    public void BlockingReloadWoken(TimeSpan sincePublished) => _blockingWake.Record(Math.Max(0, sincePublished.TotalSeconds));

    public void Dispose() => _meter.Dispose();
}
