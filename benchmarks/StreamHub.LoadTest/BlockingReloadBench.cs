using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;

namespace StreamHub.LoadTest;

/// <summary><c>--mode llhls-block</c>: what low-latency HLS viewers waiting on blocking playlist reloads cost StreamHub.
/// A published Release StreamHub (its own process, default settings: fMP4, 2 s segments, 0.333 s parts), N streams fed
/// the load test's clip in real time over RTMP, and C clients (HTTP/1.1 keep-alive, one connection each) spread over
/// the streams, each looping on a blocking reload (<c>_HLS_msn/_HLS_part/_HLS_skip=YES</c>) for the part after the
/// last one its answer listed. Reports the server's resident memory and thread count before the clients and while they
/// wait (memory per waiting request is the difference over the requests waiting), and the wake-up delay: from when the
/// server published the playlist that satisfied a request (<c>X-StreamHub-Published</c>) to when the client had the
/// answer, for requests sent before that moment (ones that really waited).
/// <para><c>dotnet run -c Release --project benchmarks/StreamHub.LoadTest -- --mode llhls-block [--streams 10]
/// [--clients 1000] [--seconds 30] [--warmup 10]</c></para></summary>
public static class BlockingReloadBench
{
    // NaN and +Inf stand for "no answer measured" and "above the last bucket".
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals };

    public static async Task<int> RunAsync(string[] args)
    {
        var streams = LoadTestOptions.IntOption(args, "--streams", 10);
        var clients = LoadTestOptions.IntOption(args, "--clients", 1000);
        var seconds = LoadTestOptions.IntOption(args, "--seconds", 30);
        var warmup = LoadTestOptions.IntOption(args, "--warmup", 10);
        var root = LoadTestOptions.FindRepositoryRoot();
        var runId = DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture);
        var work = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), $"streamhub-llhls-{runId}")).FullName;
        var clip = FlvClip.Load(FlvClip.Generate(Path.Combine(Path.GetTempPath(), "streamhub-loadtest-clip"), 20, "1280x720", 2500));
        Console.WriteLine($"Blocking-reload bench {runId}: {streams} streams, {clients} clients, {seconds} s measured after {warmup} s, {Environment.ProcessorCount} cores");
        var publish = Path.Combine(work, "streamhub-publish");
        Console.WriteLine($"Publishing src/StreamHub (Release) to {publish} ...");
        StreamHubServer.Publish(root, publish);

        await using var server = new StreamHubServer(publish, work, new Dictionary<string, string>());
        await server.StartAsync(CancellationToken.None);
        var names = Enumerable.Range(1, streams).Select(i => $"ll{i}").ToArray();
        var keys = await server.PrepareStreamsAsync(names, CancellationToken.None);
        var publishers = new Publisher[streams];
        for (var i = 0; i < streams; i++)
        {
            publishers[i] = await Publisher.ConnectAsync(clip, server.RtmpPort, server.Application, keys[i], names[i]);
        }
        var now = Pacer.Now;
        foreach (var publisher in publishers)
        {
            publisher.Start(now + Random.Shared.Next(0, 2000));
        }
        await using var pacer = new Pacer(publishers);
        await Task.Delay(TimeSpan.FromSeconds(warmup));
        var rssBefore = ProcessStats.Memory(server.Pid, "VmRSS");
        var threadsBefore = Threads(server.Pid);

        using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = clients, UseProxy = false, PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5) };
        using var http = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(30) };
        var delays = Enumerable.Range(0, clients).Select(_ => new List<double>(1024)).ToArray();
        var waiting = 0;
        var failures = 0;
        using var stop = new CancellationTokenSource();
        var loops = Enumerable.Range(0, clients).Select(i => Task.Run(async () =>
        {
            var url = server.PlaylistUrl(names[i % streams]);
            var playlist = await http.GetStringAsync(url);
            while (!stop.IsCancellationRequested)
            {
                var (msn, part) = NextPart(playlist);
                var sentAt = UnixMs();
                Interlocked.Increment(ref waiting);
                try
                {
                    using var response = await http.GetAsync($"{url}?_HLS_msn={msn}&_HLS_part={part}&_HLS_skip=YES", stop.Token);
                    var receivedAt = UnixMs();
                    playlist = await response.Content.ReadAsStringAsync(stop.Token);
                    if (response.StatusCode != HttpStatusCode.OK)
                    {
                        Interlocked.Increment(ref failures);
                        playlist = await http.GetStringAsync(url, stop.Token);
                        continue;
                    }
                    var published = double.Parse(response.Headers.GetValues("X-StreamHub-Published").First(), CultureInfo.InvariantCulture);
                    if (published > sentAt)
                    {
                        delays[i].Add(receivedAt - published);
                    }
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested)
                {
                }
                catch (HttpRequestException)
                {
                    Interlocked.Increment(ref failures);
                }
                finally
                {
                    Interlocked.Decrement(ref waiting);
                }
            }
        })).ToArray();

        // Let every client connect and settle into its loop, then sample while they wait.
        await Task.Delay(TimeSpan.FromSeconds(5));
        var metricsUrl = $"http://127.0.0.1:{server.HttpPort}/metrics";
        var wake0 = WakeBuckets(await http.GetStringAsync(metricsUrl));
        var cpu0 = ProcessStats.CpuSeconds(server.Pid);
        var samples = new List<(long Rss, int Threads, int Waiting)>();
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(seconds))
        {
            await Task.Delay(1000);
            samples.Add((ProcessStats.Memory(server.Pid, "VmRSS"), Threads(server.Pid), Volatile.Read(ref waiting)));
        }
        var cpu = (ProcessStats.CpuSeconds(server.Pid) - cpu0) / clock.Elapsed.TotalSeconds * 100;
        var wake = WakeBuckets(await http.GetStringAsync(metricsUrl)).Select(b => (b.Le, Count: b.Count - wake0.FirstOrDefault(a => a.Le == b.Le).Count)).ToList();
        await stop.CancelAsync();
        await Task.WhenAll(loops);

        var all = delays.SelectMany(d => d).Order().ToList();
        var rssDuring = (long)samples.Average(s => s.Rss);
        var meanWaiting = samples.Average(s => s.Waiting);
        var perRequest = (rssDuring - rssBefore) / Math.Max(1, meanWaiting);
        var result = new
        {
            RunId = runId,
            Cores = Environment.ProcessorCount,
            Streams = streams,
            Clients = clients,
            Seconds = seconds,
            RssBeforeMiB = Math.Round(rssBefore / 1048576.0, 1),
            RssDuringMiB = Math.Round(rssDuring / 1048576.0, 1),
            MeanWaitingRequests = Math.Round(meanWaiting),
            RssPerWaitingRequestKiB = Math.Round(perRequest / 1024.0, 2),
            ThreadsBefore = threadsBefore,
            ThreadsDuringMax = samples.Max(s => s.Threads),
            ServerCpuPercent = Math.Round(cpu, 1),
            Answers = all.Count,
            Failures = failures,
            WakeUpMsP50 = Math.Round(Percentile(all, 0.50), 2),
            WakeUpMsP90 = Math.Round(Percentile(all, 0.90), 2),
            WakeUpMsP99 = Math.Round(Percentile(all, 0.99), 2),
            WakeUpMsMax = all.Count > 0 ? Math.Round(all[^1], 2) : double.NaN,
            // The server's own figure (streamhub_hls_blocking_wake_seconds over the measured window): from publishing
            // the playlist to handing each waiting request its answer, without the load generator's scheduling.
            ServerWoken = wake.Count > 0 ? wake[^1].Count : 0,
            ServerWokenWithin10MsPercent = wake.Count > 0 && wake[^1].Count > 0
                ? Math.Round(100.0 * wake.First(b => b.Le >= 0.01).Count / wake[^1].Count, 2) : double.NaN,
            ServerWakeUpMsP50AtMost = BucketBound(wake, 0.50),
            ServerWakeUpMsP99AtMost = BucketBound(wake, 0.99),
        };
        Console.WriteLine(JsonSerializer.Serialize(result, Json));
        var file = Path.Combine(root, "benchmarks", "results", $"llhls-block-{runId}.json");
        await File.WriteAllTextAsync(file, JsonSerializer.Serialize(result, Json));
        Console.WriteLine($"Saved {file}");
        foreach (var publisher in publishers)
        {
            await publisher.DisposeAsync();
        }
        try
        {
            Directory.Delete(work, recursive: true);
        }
        catch (IOException)
        {
        }
        return result.ServerWakeUpMsP99AtMost <= 10 ? 0 : 1;
    }

    /// <summary>The cumulative buckets of <c>streamhub_hls_blocking_wake_seconds</c> (upper bound in seconds, count),
    /// +Inf last.</summary>
    private static List<(double Le, long Count)> WakeBuckets(string metrics) =>
        metrics.Split('\n')
            .Where(l => l.StartsWith("streamhub_hls_blocking_wake_seconds_bucket{le=\"", StringComparison.Ordinal))
            .Select(l =>
            {
                var le = l[(l.IndexOf('"') + 1)..l.LastIndexOf('"')];
                return (le == "+Inf" ? double.PositiveInfinity : double.Parse(le, CultureInfo.InvariantCulture),
                    long.Parse(l[(l.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture));
            })
            .OrderBy(b => b.Item1)
            .ToList();

    /// <summary>The upper bound (ms) of the bucket holding the <paramref name="p"/> quantile: the quantile is at most this.</summary>
    private static double BucketBound(List<(double Le, long Count)> buckets, double p)
    {
        if (buckets.Count == 0 || buckets[^1].Count == 0)
        {
            return double.NaN;
        }
        var rank = p * buckets[^1].Count;
        var bucket = buckets.First(b => b.Count >= rank);
        return double.IsPositiveInfinity(bucket.Le) ? double.PositiveInfinity : bucket.Le * 1000;
    }

    private static double UnixMs() => (DateTime.UtcNow - DateTime.UnixEpoch).Ticks / (double)TimeSpan.TicksPerMillisecond;

    /// <summary>The segment being written (after every whole segment listed, skipped ones included) and the index in it
    /// of the part after its parts listed so far: what hls.js asks for next.</summary>
    private static (long Msn, int Part) NextPart(string playlist)
    {
        var lines = playlist.Split('\n');
        long Tag(string prefix) => lines.FirstOrDefault(l => l.StartsWith(prefix, StringComparison.Ordinal)) is { } line
            ? long.Parse(line[prefix.Length..], CultureInfo.InvariantCulture) : 0;
        var msn = Tag("#EXT-X-MEDIA-SEQUENCE:") + Tag("#EXT-X-SKIP:SKIPPED-SEGMENTS=") + lines.Count(l => l.StartsWith("#EXTINF:", StringComparison.Ordinal));
        var lastSegment = Array.FindLastIndex(lines, l => l.Length > 0 && l[0] != '#');
        return (msn, lines.Skip(lastSegment + 1).Count(l => l.StartsWith("#EXT-X-PART:", StringComparison.Ordinal)));
    }

    private static int Threads(int pid)
    {
        try
        {
            var line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith("Threads:", StringComparison.Ordinal));
            return line is null ? 0 : int.Parse(line["Threads:".Length..].Trim(), CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return 0;
        }
    }

    private static double Percentile(List<double> sorted, double p) => sorted.Count == 0 ? double.NaN : sorted[(int)Math.Min(sorted.Count - 1, p * sorted.Count)];
}
