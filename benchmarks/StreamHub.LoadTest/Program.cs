using System.Globalization;
using System.Text;
using System.Text.Json;
using StreamHub.LoadTest;

// Side-by-side load test: N real-time RTMP publishers against StreamHub and nginx-rtmp, one after the other, on
// loopback. See benchmarks/README.md.
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
var root = LoadTestOptions.FindRepositoryRoot();
var runId = DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture);
var work = Path.Combine(Path.GetTempPath(), $"streamhub-loadtest-{runId}");
Directory.CreateDirectory(work);
Console.WriteLine($"Load test {runId}: publishers {string.Join(",", options.Publishers)}, {options.Seconds} s measured after {options.Warmup} s warm-up, servers {string.Join(",", options.Servers)}");

var clipPath = FlvClip.Generate(Path.Combine(Path.GetTempPath(), "streamhub-loadtest-clip"), options.ClipSeconds, options.Size, options.Kbps);
var clip = FlvClip.Load(clipPath);
Console.WriteLine($"Clip {clipPath}: {clip.Messages.Count} messages, loop {clip.Duration} ms, {clip.BytesPerSecond * 8 / 1e6:F2} Mbit/s");

string? publishDirectory = null;
if (options.Servers.Contains("streamhub"))
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

var results = new List<RunResult>();
using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; cancel.Cancel(); };
try
{
    foreach (var publishers in options.Publishers)
    {
        foreach (var server in options.Servers)
        {
            if (server == "nginx" && nginxUnavailable is not null)
            {
                results.Add(new RunResult { Server = "nginx-rtmp", Publishers = publishers, Skipped = nginxUnavailable });
                continue;
            }
            await using ServerUnderTest target = server == "nginx"
                ? new NginxServer(work, runId)
                : new StreamHubServer(publishDirectory!, Path.Combine(work, $"n{publishers}"), options.StreamHubEnvironment);
            var result = await LoadRun.RunAsync(target, clip, publishers, options, cancel.Token);
            results.Add(result);
            Console.WriteLine(Report.Line(result));
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
}, new JsonSerializerOptions { WriteIndented = true }));
Console.WriteLine($"Written {json}");
return 0;
