using System.Globalization;
using System.Text;
using System.Text.Json;
using StreamHub.LoadTest;

// Side-by-side load test: N real-time RTMP publishers against StreamHub and nginx-rtmp, one after the other, on
// loopback. See benchmarks/README.md.
if (args is ["--mode", "llhls-block", .. var blockArgs])
{
    return await BlockingReloadBench.RunAsync(blockArgs); // N streams, C clients waiting on blocking reloads
}
if (args is ["--mode", "hls-latency", .. var latencyArgs])
{
    return await HlsLatencyBench.RunAsync(latencyArgs); // one stream, hls.js in Chromium: arrival to display per HLS flavour
}
if (args is ["--mode", "edges", .. var edgeArgs])
{
    return await EdgeBench.RunAsync(edgeArgs); // origin + 2 edges on PostgreSQL, V HLS viewers: origin requests per segment, added latency, key lookup
}
if (args is ["--mode", "key-lookup", .. var lookupArgs])
{
    return await KeyLookupTiming.RunAsync(lookupArgs); // the publish path's key lookup alone, on a PostgreSQL of its own
}
if (args is ["--mode", "restream", .. var restreamArgs])
{
    return await RestreamBench.RunAsync(restreamArgs); // one stream pushed to N nginx-rtmp targets: CPU per target
}
var options = LoadTestOptions.Parse(args);
if (options is null)
{
    Console.WriteLine(LoadTestOptions.Usage);
    return 2;
}
if (options.ServerCpus is { } serverCpus)
{
    if (!CpuPinning.PinSelfAwayFrom(serverCpus))
    {
        Console.WriteLine($"--server-cpus {string.Join(",", serverCpus)}: the load generator could not be moved to the other cores");
        return 2;
    }
    Console.WriteLine($"Servers on cores {string.Join(",", serverCpus)}, the load generator on the others");
}
// The players' receives complete on the thread pool (the default). Inline socket completions
// (DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1) cut the load generator's CPU by a third, but put all 500 players on
// one socket event thread: on the shared 2-core VM that thread fell seconds behind at 500 players (median 818 ms
// against nginx-rtmp, every player > 1 s behind), where the thread pool kept up (42 ms).
var root = LoadTestOptions.FindRepositoryRoot();
var runId = DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture);
var work = Path.Combine(Path.GetTempPath(), $"streamhub-loadtest-{runId}");
Directory.CreateDirectory(work);
Console.WriteLine(options.Mode == "fanout"
    ? $"Fan-out test {runId}: players {string.Join(",", options.Players)}, protocols {string.Join(",", options.Protocols)}, {options.FanOutSeconds} s measured after {options.FanOutWarmup} s, servers {string.Join(",", options.Servers)}{(options.Rounds > 1 ? $" in {options.Rounds} rounds" : "")}{(options.SpinningPlayers ? ", spinning RTMP players" : "")}"
    : $"Load test {runId}: publishers {string.Join(",", options.Publishers)}, {options.Seconds} s measured after {options.Warmup} s warm-up, servers {string.Join(",", options.Servers)}");

var clipPath = FlvClip.Generate(Path.Combine(Path.GetTempPath(), "streamhub-loadtest-clip"), options.ClipSeconds, options.Size, options.Kbps);
var clip = FlvClip.Load(clipPath);
Console.WriteLine($"Clip {clipPath}: {clip.Messages.Count} messages, loop {clip.Duration} ms, {clip.BytesPerSecond * 8 / 1e6:F2} Mbit/s");

string? publishDirectory = null;
if (options.Servers.Any(s => s.StartsWith("streamhub", StringComparison.Ordinal)))
{
    publishDirectory = Path.Combine(work, "streamhub-publish");
    Console.WriteLine($"Publishing src/StreamHub (Release) to {publishDirectory} ...");
    StreamHubServer.Publish(root, publishDirectory);
}
var nginxUnavailable = NginxServer.Unavailable();
if (nginxUnavailable is not null && options.Servers.Contains("nginx"))
{
    Console.WriteLine($"NOTE: nginx-rtmp is skipped: {nginxUnavailable}");
}
if (!HttpLoad.Available)
{
    Console.WriteLine("NOTE: wrk is not installed (apt-get install -y wrk): no requests/s rows");
}

using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; cancel.Cancel(); };
if (options.Mode == "fanout")
{
    return await RunFanOutAsync();
}

var results = new List<RunResult>();
try
{
    foreach (var publishers in options.Publishers)
    {
        // As in the fan-out mode, a server listed twice runs twice, each StreamHub in a data directory of its own.
        foreach (var (server, position) in options.Servers.Select((server, position) => (server, position)))
        {
            if (server == "nginx" && nginxUnavailable is not null)
            {
                results.Add(new RunResult { Server = "nginx-rtmp", Publishers = publishers, Skipped = nginxUnavailable });
                continue;
            }
            await using ServerUnderTest target = server == "nginx"
                ? new NginxServer(work, runId) { Cpus = options.ServerCpus }
                : new StreamHubServer(publishDirectory!, Path.Combine(work, $"n{publishers}-{position}-{server}"), options.StreamHubEnvironment,
                    recording: server == "streamhub-rec") { Cpus = options.ServerCpus };
            var result = await LoadRun.RunAsync(target, clip, publishers, options, cancel.Token);
            results.Add(result);
            Console.WriteLine(Report.Line(result));
            if (target is StreamHubServer { Name: "StreamHub+rec" } recorder)
            {
                var (files, bytes) = recorder.Recorded();
                Console.WriteLine($"  recorded {files} files, {bytes / 1e6:F1} MB ({bytes * 8 / 1e6 / Math.Max(1, publishers) / (options.Warmup + options.Seconds):F2} Mbit/s per stream over warm-up + window)");
            }
        }
    }
}
catch (OperationCanceledException) when (cancel.IsCancellationRequested)
{
    Console.WriteLine("Cancelled.");
}
finally
{
    try
    {
        Directory.Delete(work, recursive: true);
    }
    catch (IOException)
    {
    }
}

var table = Report.Table(results, clip);
Console.WriteLine();
Console.WriteLine(table);
var resultsDirectory = Path.Combine(root, "benchmarks", "results");
Directory.CreateDirectory(resultsDirectory);
var json = Path.Combine(resultsDirectory, $"{runId}.json");
await File.WriteAllTextAsync(json, JsonSerializer.Serialize(new
{
    runId,
    machine = new { cores = Environment.ProcessorCount, os = Environment.OSVersion.ToString(), dotnet = Environment.Version.ToString() },
    clip = new { path = Path.GetFileName(clipPath), loopMs = clip.Duration, mbitPerSecond = clip.BytesPerSecond * 8 / 1e6 },
    options,
    results,
    table,
}, new JsonSerializerOptions { WriteIndented = true, NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals }));
Console.WriteLine($"Written {json}");
return 0;

// One publisher and N players: StreamHub (RTMP, then HTTP-FLV, each on a fresh server) and nginx-rtmp (RTMP).
async Task<int> RunFanOutAsync()
{
    var fanOut = new List<FanOutResult>();
    try
    {
        // A server may be listed twice (nginx,streamhub,nginx: does the order move a server's figures?); each run gets
        // a data directory of its own, as a second StreamHub on the first one's would find its stream name taken.
        foreach (var ((server, round), position) in options.ServerOrder().Select((run, position) => (run, position)))
        {
            foreach (var protocol in options.Protocols)
            {
                if (server == "nginx" && (nginxUnavailable is not null || protocol == FanOutProtocol.HttpFlv))
                {
                    var why = nginxUnavailable ?? "nginx-rtmp serves no HTTP-FLV";
                    fanOut.AddRange(options.Players.Select(n => new FanOutResult { Server = "nginx-rtmp", Protocol = protocol, Players = n, Round = round, Skipped = why }));
                    continue;
                }
                await using ServerUnderTest target = server == "nginx"
                    ? new NginxServer(work, runId) { Cpus = options.ServerCpus }
                    : new StreamHubServer(publishDirectory!, Path.Combine(work, $"fanout-{position}-{protocol}"), options.StreamHubEnvironment) { Cpus = options.ServerCpus };
                var runs = (await FanOutRun.RunAsync(target, clip, protocol, options, cancel.Token)).Select(r => r with { Round = round }).ToList();
                fanOut.AddRange(runs);
                var missing = options.Players.Where(n => runs.All(r => r.Players != n)).ToArray();
                var reason = runs.FirstOrDefault(r => r.Skipped is not null)?.Skipped ?? "the run stopped early";
                fanOut.AddRange(missing.Select(n => new FanOutResult { Server = target.Name, Protocol = protocol, Players = n, Round = round, Skipped = reason }));
            }
        }
    }
    catch (OperationCanceledException) when (cancel.IsCancellationRequested)
    {
        Console.WriteLine("Cancelled.");
    }
    finally
    {
        try
        {
            Directory.Delete(work, recursive: true);
        }
        catch (IOException)
        {
        }
    }
    var fanOutTable = FanOutReport.Table(fanOut, clip, options);
    Console.WriteLine();
    Console.WriteLine(fanOutTable);
    var directory = Path.Combine(root, "benchmarks", "results");
    Directory.CreateDirectory(directory);
    var path = Path.Combine(directory, $"fanout-{runId}.json");
    await File.WriteAllTextAsync(path, JsonSerializer.Serialize(new
    {
        runId,
        machine = new { cores = Environment.ProcessorCount, os = Environment.OSVersion.ToString(), dotnet = Environment.Version.ToString() },
        clip = new { path = Path.GetFileName(clipPath), loopMs = clip.Duration, mbitPerSecond = clip.BytesPerSecond * 8 / 1e6 },
        options,
        results = fanOut,
        table = fanOutTable,
    }, new JsonSerializerOptions
    {
        WriteIndented = true,
        Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() },
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
    }));
    Console.WriteLine($"Written {path}");
    return 0;
}
