using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace StreamHub.LoadTest;

/// <summary><c>--mode edges</c>: a StreamHub cluster on a PostgreSQL of its own (an origin and two edge nodes, each
/// its own published Release process, default settings: HLS fMP4, 2 s segments, <c>PlaybackMode=Proxy</c>), one
/// publisher on the origin, and V HLS viewers (<see cref="HlsPollingViewer"/>) spread over the two edges, with a few
/// control viewers on the origin itself. Reports:
/// <list type="bullet">
/// <item>origin requests per segment from the edges: the origin's request log (Debug) counts every GET of a segment,
/// less the control viewers' and the probe's own;</item>
/// <item>the added latency of a segment through an edge: with no viewers, a probe fetches each new segment from the
/// origin and from both edges at once (the edges' first fetch: a miss, the origin fetch included); under load, the
/// viewers' segment fetch times on the edges against the control viewers' on the origin;</item>
/// <item>CPU per viewer on an edge: the edges' CPU over the window, less their CPU with no viewers, per viewer;</item>
/// <item>the publish path's key lookup through PostgreSQL (<see cref="KeyLookupTiming"/>), with the cluster idle and
/// again under the viewers' load.</item>
/// </list>
/// <para><c>dotnet run -c Release --project benchmarks/StreamHub.LoadTest -- --mode edges [--viewers 1000]
/// [--direct 20] [--seconds 30] [--warmup 10] [--kbps 800] [--lookups 5000] [--lookup-streams 1000]</c></para></summary>
public static partial class EdgeBench
{
    private const string StreamName = "edge";
    private static readonly TimeSpan Reload = TimeSpan.FromSeconds(2); // the target duration

    public static async Task<int> RunAsync(string[] args)
    {
        var viewers = LoadTestOptions.IntOption(args, "--viewers", 1000);
        var direct = LoadTestOptions.IntOption(args, "--direct", 20);
        var seconds = LoadTestOptions.IntOption(args, "--seconds", 30);
        var warmup = LoadTestOptions.IntOption(args, "--warmup", 10);
        var kbps = LoadTestOptions.IntOption(args, "--kbps", 800);
        var lookups = LoadTestOptions.IntOption(args, "--lookups", 5000);
        var lookupStreams = LoadTestOptions.IntOption(args, "--lookup-streams", 1000);
        if (PostgresInstance.Unavailable() is { } why)
        {
            Console.WriteLine(why);
            return 2;
        }
        var root = LoadTestOptions.FindRepositoryRoot();
        var runId = DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture);
        var work = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), $"streamhub-edges-{runId}")).FullName;
        var clip = FlvClip.Load(FlvClip.Generate(Path.Combine(Path.GetTempPath(), "streamhub-loadtest-clip"), 20, "1280x720", kbps));
        Console.WriteLine($"Edge bench {runId}: origin + 2 edges, {viewers} viewers on the edges, {direct} on the origin, {seconds} s measured after {warmup} s, "
            + $"{clip.BytesPerSecond * 8 / 1e6:F2} Mbit/s, {Environment.ProcessorCount} cores, load average {LoadAverage()}");
        var publish = Path.Combine(work, "streamhub-publish");
        Console.WriteLine($"Publishing src/StreamHub (Release) to {publish} ...");
        StreamHubServer.Publish(root, publish);

        await using var postgres = await PostgresInstance.StartAsync();
        var database = postgres.ConnectionString("streamhub");
        // The origin's request log (Debug) names each path it answered: what the edges cost it.
        var (origin, originRequests) = await StartNodeAsync(publish, work, database, "origin", ("StreamHub__Logging__MinimumLevel", "Debug"));
        await using var originServer = origin;
        var (edge1, _) = await StartNodeAsync(publish, work, database, "edge-1");
        await using var edge1Server = edge1;
        var (edge2, _) = await StartNodeAsync(publish, work, database, "edge-2");
        await using var edge2Server = edge2;
        StreamHubServer[] edges = [edge1, edge2];

        Console.WriteLine($"Key lookups ({lookups}, {lookupStreams} streams stored), cluster idle ...");
        var lookupIdle = await KeyLookupTiming.MeasureAsync(database, lookupStreams, lookups, "idle", processIdle: true);
        Console.WriteLine($"  p50 {lookupIdle.P50Ms} ms, p90 {lookupIdle.P90Ms} ms, p99 {lookupIdle.P99Ms} ms, max {lookupIdle.MaxMs} ms, {lookupIdle.CpuMsPerLookup} ms CPU each");

        var key = (await origin.PrepareStreamsAsync([StreamName], CancellationToken.None))[0];
        await using var publisher = await Publisher.ConnectAsync(clip, origin.RtmpPort, origin.Application, key, StreamName);
        publisher.Start(Pacer.Now);
        await using var pacer = new Pacer([publisher]);

        using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = viewers + direct + 10, UseProxy = false, PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5) };
        using var http = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(30) };
        var originPlaylist = origin.PlaylistUrl(StreamName);
        await WaitForSegmentsAsync(http, originPlaylist, 3);
        await WaitForSegmentsAsync(http, edge1.PlaylistUrl(StreamName), 3);
        await WaitForSegmentsAsync(http, edge2.PlaylistUrl(StreamName), 3);

        // With no viewers: each new segment from the origin and from both edges at once (each edge's first fetch).
        Console.WriteLine("Probe: 8 new segments, origin and both edges at once, no viewers ...");
        var probeFetches = new ConcurrentDictionary<string, int>(StringComparer.Ordinal);
        var probe = await ProbeAsync(http, originPlaylist, edges.Select(e => e.PlaylistUrl(StreamName)).ToArray(), 8, probeFetches);
        Console.WriteLine($"  direct median {Median(probe.Direct):F1} ms, through an edge (miss) median {Median(probe.Edge):F1} ms, added median {Median(probe.Added):F1} ms");

        // The edges' CPU with no viewers: heartbeats and the probe's leftovers.
        var idleClock = Stopwatch.StartNew();
        var idleCpu0 = edges.Select(e => ProcessStats.CpuSeconds(e.Pid)).ToArray();
        await Task.Delay(TimeSpan.FromSeconds(5));
        var idleCpuPerSecond = edges.Select((e, i) => (ProcessStats.CpuSeconds(e.Pid) - idleCpu0[i]) / idleClock.Elapsed.TotalSeconds).ToArray();

        var onEdges = new SegmentTimes();
        var onOrigin = new SegmentTimes();
        using var stop = new CancellationTokenSource();
        var loops = new List<Task>();
        for (var i = 0; i < viewers; i++)
        {
            loops.Add(new HlsPollingViewer(http, edges[i % 2].PlaylistUrl(StreamName), onEdges).RunAsync(Reload, stop.Token));
        }
        for (var i = 0; i < direct; i++)
        {
            loops.Add(new HlsPollingViewer(http, originPlaylist, onOrigin).RunAsync(Reload, stop.Token));
        }
        Console.WriteLine($"{viewers + direct} viewers started; warm-up {warmup} s ...");
        await Task.Delay(TimeSpan.FromSeconds(warmup));
        var segmentsBefore = originRequests.Segments.Keys.ToHashSet(StringComparer.Ordinal);
        var playlistsBefore = originRequests.Playlists;
        onEdges.Recording = true;
        onOrigin.Recording = true;
        var window = Stopwatch.StartNew();
        var cpu0 = edges.Select(e => ProcessStats.CpuSeconds(e.Pid)).ToArray();
        var loadAtStart = LoadAverage();
        await Task.Delay(TimeSpan.FromSeconds(seconds));
        var cpu = edges.Select((e, i) => (ProcessStats.CpuSeconds(e.Pid) - cpu0[i]) / window.Elapsed.TotalSeconds).ToArray();
        onEdges.Recording = false;
        onOrigin.Recording = false;
        var elapsed = window.Elapsed.TotalSeconds;
        var playlistsAtOrigin = originRequests.Playlists - playlistsBefore;
        var segmentsInWindow = originRequests.Segments.Keys.Where(s => !segmentsBefore.Contains(s)).ToHashSet(StringComparer.Ordinal);
        var loadAtEnd = LoadAverage();

        Console.WriteLine("Key lookups again, under the viewers' load ...");
        var lookupLoaded = await KeyLookupTiming.MeasureAsync(database, lookupStreams, lookups, "loaded", processIdle: false);
        Console.WriteLine($"  p50 {lookupLoaded.P50Ms} ms, p90 {lookupLoaded.P90Ms} ms, p99 {lookupLoaded.P99Ms} ms, max {lookupLoaded.MaxMs} ms");
        await stop.CancelAsync();
        await Task.WhenAll(loops);
        // The request log line is written after the answer: let the last ones arrive.
        await Task.Delay(1000);

        // Segments first asked for inside the window, less its last (perhaps not fetched by every edge yet).
        var counted = segmentsInWindow.OrderBy(SegmentNumber).SkipLast(1).ToList();
        var fromEdges = counted.Select(s => originRequests.Segments[s] - onOrigin.FetchesOf(s) - probeFetches.GetValueOrDefault(s)).ToList();
        var edgeTimes = onEdges.Sorted();
        var originTimes = onOrigin.Sorted();
        var edgeCpuPercent = cpu.Select((c, i) => Math.Round((c - idleCpuPerSecond[i]) * 100, 1)).ToArray();
        var viewersPerEdge = viewers / 2.0;
        var result = new
        {
            RunId = runId,
            Cores = Environment.ProcessorCount,
            LoadAverageAtStart = loadAtStart,
            LoadAverageAtEnd = loadAtEnd,
            Viewers = viewers,
            DirectViewers = direct,
            Seconds = seconds,
            MbitPerSecond = Math.Round(clip.BytesPerSecond * 8 / 1e6, 2),
            SegmentsCounted = counted.Count,
            OriginSegmentRequestsFromEdgesPerSegment = fromEdges.Count > 0 ? Math.Round(fromEdges.Average(), 2) : double.NaN,
            OriginSegmentRequestsFromEdgesPerSegmentMax = fromEdges.Count > 0 ? fromEdges.Max() : 0,
            OriginSegmentRequestsPerSegmentPerEdge = fromEdges.Count > 0 ? Math.Round(fromEdges.Average() / edges.Length, 2) : double.NaN,
            EdgeViewerPlaylistRequestsPerSecond = Math.Round(onEdges.Playlists / elapsed, 1),
            OriginPlaylistRequestsFromEdgesPerSecond = Math.Round((playlistsAtOrigin - onOrigin.Playlists) / elapsed, 1),
            ProbeDirectMsMedian = Math.Round(Median(probe.Direct), 1),
            ProbeThroughEdgeMissMsMedian = Math.Round(Median(probe.Edge), 1),
            ProbeAddedMsMedian = Math.Round(Median(probe.Added), 1),
            ProbeAddedMsMax = probe.Added.Count > 0 ? Math.Round(probe.Added.Max(), 1) : double.NaN,
            ViewerSegmentMsOnEdgesP50 = Math.Round(Percentile(edgeTimes, 0.5), 1),
            ViewerSegmentMsOnEdgesP90 = Math.Round(Percentile(edgeTimes, 0.9), 1),
            ViewerSegmentMsOnOriginP50 = Math.Round(Percentile(originTimes, 0.5), 1),
            ViewerSegmentMsOnOriginP90 = Math.Round(Percentile(originTimes, 0.9), 1),
            ViewerSegmentFetches = edgeTimes.Count + originTimes.Count,
            ViewerFailures = onEdges.Failures + onOrigin.Failures,
            EdgeCpuPercentOfOneCore = edgeCpuPercent,
            EdgeIdleCpuPercentOfOneCore = idleCpuPerSecond.Select(c => Math.Round(c * 100, 1)).ToArray(),
            EdgeCpuMsPerViewerSecond = edgeCpuPercent.Select(p => Math.Round(p * 10 / viewersPerEdge, 3)).ToArray(),
            KeyLookupIdle = lookupIdle,
            KeyLookupUnderLoad = lookupLoaded,
        };
        var json = JsonSerializer.Serialize(result, new JsonSerializerOptions { WriteIndented = true, NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals });
        Console.WriteLine(json);
        var file = Path.Combine(root, "benchmarks", "results", $"edges-{runId}.json");
        await File.WriteAllTextAsync(file, json);
        Console.WriteLine($"Saved {file}");
        try
        {
            Directory.Delete(work, recursive: true);
        }
        catch (IOException)
        {
        }
        return 0;
    }

    /// <summary>Requests the origin's log says it answered for the stream: each segment's count, and playlists.</summary>
    private sealed class OriginRequests
    {
        public readonly ConcurrentDictionary<string, int> Segments = new(StringComparer.Ordinal);
        private long _playlists;

        public long Playlists => Interlocked.Read(ref _playlists);

        public void Read(string line)
        {
            if (RequestLine().Match(line) is not { Success: true } match)
            {
                return;
            }
            if (match.Groups[1].Value.EndsWith(".m3u8", StringComparison.Ordinal))
            {
                Interlocked.Increment(ref _playlists);
            }
            else if (SegmentName().IsMatch(match.Groups[1].Value))
            {
                Segments.AddOrUpdate(match.Groups[1].Value, 1, static (_, n) => n + 1);
            }
        }
    }

    private static async Task<(StreamHubServer Server, OriginRequests Requests)> StartNodeAsync(string publish, string work, string database, string node,
        params (string Name, string Value)[] extra)
    {
        var environment = new Dictionary<string, string>
        {
            ["StreamHub__Database__Provider"] = "Postgres",
            ["StreamHub__Database__ConnectionString"] = database,
            ["StreamHub__Cluster__NodeId"] = node,
        };
        foreach (var (name, value) in extra)
        {
            environment[name] = value;
        }
        var server = new StreamHubServer(publish, Path.Combine(work, node), environment);
        // The ports are the server's own choice: its public URLs are known once it is made, before it starts.
        environment["StreamHub__Cluster__PublicUrls__0"] = $"http://127.0.0.1:{server.HttpPort}";
        environment["StreamHub__Cluster__PublicUrls__1"] = $"rtmp://127.0.0.1:{server.RtmpPort}";
        var requests = new OriginRequests();
        server.OutputLine += requests.Read;
        await server.StartAsync(CancellationToken.None);
        return (server, requests);
    }

    private sealed record Probe(List<double> Direct, List<double> Edge, List<double> Added);

    private static async Task<Probe> ProbeAsync(HttpClient http, string originPlaylist, string[] edgePlaylists, int count,
        ConcurrentDictionary<string, int> fetches)
    {
        var probe = new Probe([], [], []);
        var last = HlsPollingViewer.Segments(await http.GetStringAsync(originPlaylist))[^1];
        var deadline = Stopwatch.StartNew();
        while (probe.Direct.Count < count && deadline.Elapsed < TimeSpan.FromSeconds(count * 2 * 3))
        {
            await Task.Delay(50);
            var newest = HlsPollingViewer.Segments(await http.GetStringAsync(originPlaylist))[^1];
            if (newest == last)
            {
                continue;
            }
            last = newest;
            fetches.AddOrUpdate(newest, 1, static (_, n) => n + 1);
            var times = await Task.WhenAll(new[] { originPlaylist }.Concat(edgePlaylists).Select(p => TimeAsync(http, new Uri(new Uri(p), newest))));
            probe.Direct.Add(times[0]);
            foreach (var edge in times.Skip(1))
            {
                probe.Edge.Add(edge);
                probe.Added.Add(edge - times[0]);
            }
        }
        return probe;
    }

    private static async Task<double> TimeAsync(HttpClient http, Uri uri)
    {
        var started = Stopwatch.GetTimestamp();
        using var response = await http.GetAsync(uri, HttpCompletionOption.ResponseContentRead);
        response.EnsureSuccessStatusCode();
        return Stopwatch.GetElapsedTime(started).TotalMilliseconds;
    }

    private static async Task WaitForSegmentsAsync(HttpClient http, string playlist, int segments)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(60))
        {
            try
            {
                if (HlsPollingViewer.Segments(await http.GetStringAsync(playlist)).Count >= segments)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }
            await Task.Delay(250);
        }
        throw new TimeoutException($"{playlist}: fewer than {segments} segments after 60 s");
    }

    private static int SegmentNumber(string path) => int.Parse(Regex.Match(path, @"(\d+)\.m4s$").Groups[1].Value, CultureInfo.InvariantCulture);

    private static string LoadAverage() => File.ReadAllText("/proc/loadavg").Split(' ')[0];

    private static double Median(List<double> values) => Percentile([.. values.Order()], 0.5);

    private static double Percentile(List<double> sorted, double p) => sorted.Count == 0 ? double.NaN : sorted[(int)Math.Min(sorted.Count - 1, p * sorted.Count)];

    [GeneratedRegex($@"GET /hls/{StreamName}/([^ ?]+)")]
    private static partial Regex RequestLine();

    [GeneratedRegex(@"^s\d+\.m4s$")]
    private static partial Regex SegmentName();
}
