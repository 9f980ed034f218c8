using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Playwright;

namespace StreamHub.LoadTest;

/// <summary><c>--mode hls-latency</c>: how long after StreamHub receives a frame hls.js in Chromium shows it, for each
/// HLS flavour. Per scenario: a fresh published Release StreamHub (its own process, the scenario's settings), one live
/// ffmpeg publisher (test pattern and tone, x264 zerolatency, a keyframe every second), and one headless Debian
/// Chromium page with hls.js from the tests' npm packages (fulfilled by Playwright under a made-up path of the server's
/// own origin, as the player tests do). It plays for <c>--play</c> seconds, then the page is sampled every 250 ms for
/// <c>--sample</c> seconds:
/// <list type="bullet">
/// <item>arrival to display: the page's wall clock minus the server's arrival time of the frame on screen. The page
/// works it out itself: the fragment of the playing level whose [start, start + duration) holds the media element's
/// position, its PROGRAM-DATE-TIME plus the position's offset into it. With LL-HLS hls.js's own <c>playingDate</c>
/// comes from the part it plays, which carries no PROGRAM-DATE-TIME, so it is reported beside, not relied on.</item>
/// <item>how far the position is behind the end of the buffered media.</item>
/// </list>
/// Chromium and the server share the machine's clock, so the difference needs no clock sync.
/// <para><c>dotnet run -c Release --project benchmarks/StreamHub.LoadTest -- --mode hls-latency [--play 30]
/// [--sample 15] [--scenarios ts,fmp4,ll,ll-catchup,ll02,ll02-catchup]</c></para></summary>
public static class HlsLatencyBench
{
    private const string PagesPath = "/latency-bench";
    private const string PackagesFolder = "tests/StreamHub.Tests/Hls/Players/node_modules";
    private const int Fps = 30;

    private sealed record Scenario(string Id, string Title, Dictionary<string, string> Settings, bool CatchUp);

    private static readonly Scenario[] All =
    [
        new("ts", "MPEG-TS HLS", new() { ["StreamHub__Hls__Container"] = "Ts" }, false),
        new("fmp4", "fMP4, no parts", new() { ["StreamHub__Hls__LowLatency"] = "false" }, false),
        new("ll", "LL-HLS (0.333 s parts)", [], false),
        new("ll-catchup", "LL-HLS (0.333 s parts), catch-up 1.5×", [], true),
        new("ll02", "LL-HLS (0.2 s parts)", new() { ["StreamHub__Hls__PartDurationSeconds"] = "0.2" }, false),
        new("ll02-catchup", "LL-HLS (0.2 s parts), catch-up 1.5×", new() { ["StreamHub__Hls__PartDurationSeconds"] = "0.2" }, true),
    ];

    public static async Task<int> RunAsync(string[] args)
    {
        var play = IntOption(args, "--play", 30);
        var sample = IntOption(args, "--sample", 15);
        var wanted = StringOption(args, "--scenarios")?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var scenarios = wanted is null ? All : wanted.Select(id => All.FirstOrDefault(s => s.Id == id)
            ?? throw new ArgumentException($"--scenarios: unknown '{id}' (known: {string.Join(",", All.Select(s => s.Id))})")).ToArray();
        var root = LoadTestOptions.FindRepositoryRoot();
        var nodeModules = Path.Combine(root, PackagesFolder);
        if (!File.Exists(Path.Combine(nodeModules, "hls.js", "dist", "hls.min.js")))
        {
            Console.WriteLine($"{nodeModules}/hls.js is missing: run npm ci in {Path.GetDirectoryName(PackagesFolder)}");
            return 2;
        }
        const string chromium = "/usr/bin/chromium";
        if (!File.Exists(chromium) || !File.Exists("/usr/bin/ffmpeg"))
        {
            Console.WriteLine("Needs Debian's chromium and ffmpeg (apt-get install -y chromium ffmpeg)");
            return 2;
        }
        var hlsJsVersion = JsonDocument.Parse(File.ReadAllText(Path.Combine(nodeModules, "hls.js", "package.json"))).RootElement.GetProperty("version").GetString();
        var runId = DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture);
        var work = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), $"streamhub-hls-latency-{runId}")).FullName;
        Console.WriteLine($"HLS latency bench {runId}: hls.js {hlsJsVersion}, play {play} s then sample every 250 ms for {sample} s, {Environment.ProcessorCount} cores");
        var publish = Path.Combine(work, "streamhub-publish");
        Console.WriteLine($"Publishing src/StreamHub (Release) to {publish} ...");
        StreamHubServer.Publish(root, publish);

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = chromium,
            Headless = true,
            Timeout = 60_000,
            Args =
            [
                "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--autoplay-policy=no-user-gesture-required",
            ],
        });
        var results = new List<ScenarioResult>();
        try
        {
            foreach (var scenario in scenarios)
            {
                var result = await RunScenarioAsync(scenario, browser, publish, Path.Combine(work, scenario.Id), nodeModules, play, sample);
                results.Add(result);
                Console.WriteLine($"  {scenario.Title}: arrival p50 {result.Arrival.P50:F2} s, playingDate p50 {result.PlayingDate.P50:F2} s, behind buffered p50 {result.BehindBuffered.P50:F2} s{(result.Note is null ? "" : $" ({result.Note})")}");
            }
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

        var table = Table(results);
        Console.WriteLine();
        Console.WriteLine(table);
        var file = Path.Combine(root, "benchmarks", "results", $"hls-latency-{runId}.json");
        await File.WriteAllTextAsync(file, JsonSerializer.Serialize(new
        {
            runId,
            machine = new { cores = Environment.ProcessorCount, os = Environment.OSVersion.ToString(), dotnet = Environment.Version.ToString() },
            hlsJs = hlsJsVersion,
            playSeconds = play,
            sampleSeconds = sample,
            results,
            table,
        }, new JsonSerializerOptions { WriteIndented = true, NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals }));
        Console.WriteLine($"Written {file}");
        return 0;
    }

    private static async Task<ScenarioResult> RunScenarioAsync(Scenario scenario, IBrowser browser, string publish, string work,
        string nodeModules, int play, int sample)
    {
        Console.WriteLine($"{scenario.Title}: starting StreamHub ({(scenario.Settings.Count == 0 ? "defaults" : string.Join(", ", scenario.Settings.Select(s => $"{s.Key}={s.Value}")))}) ...");
        await using var server = new StreamHubServer(publish, work, scenario.Settings);
        await server.StartAsync(CancellationToken.None);
        var keys = await server.PrepareStreamsAsync(["latency"], CancellationToken.None);
        using var ffmpeg = StartPublisher($"rtmp://127.0.0.1:{server.RtmpPort}/{server.Application}/{keys[0]}");
        try
        {
            var playlist = new Uri(server.PlaylistUrl("latency"));
            using (var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) })
            {
                // A live playlist exists once the first segment is cut.
                var waited = Stopwatch.StartNew();
                while (true)
                {
                    using var response = await http.GetAsync(playlist);
                    if (response.IsSuccessStatusCode)
                    {
                        break;
                    }
                    if (waited.Elapsed > TimeSpan.FromSeconds(30) || ffmpeg.HasExited)
                    {
                        throw new InvalidOperationException($"{playlist} not served within 30 s ({(int)response.StatusCode}; ffmpeg {(ffmpeg.HasExited ? $"exited {ffmpeg.ExitCode}" : "running")})");
                    }
                    await Task.Delay(250);
                }
            }

            await using var context = await browser.NewContextAsync(new() { ViewportSize = new() { Width = 640, Height = 360 } });
            var pages = new Uri(playlist, PagesPath + "/");
            await context.RouteAsync($"{pages}**", route => FulfilAsync(route, nodeModules));
            var page = await context.NewPageAsync();
            page.SetDefaultTimeout(60_000);
            await page.GotoAsync($"{pages}player.html?src={Uri.EscapeDataString(playlist.ToString())}{(scenario.CatchUp ? "&catchUp=1" : "")}");
            await page.WaitForFunctionAsync("() => window.bench && (window.bench.started || window.bench.failures.length > 0)",
                null, new() { Timeout = 30_000, PollingInterval = 100 });
            var failures = await page.EvaluateAsync<string[]>("() => window.bench.failures");
            if (failures.Length > 0)
            {
                throw new InvalidOperationException($"{scenario.Title}: hls.js failed: {string.Join("; ", failures)}");
            }
            await Task.Delay(TimeSpan.FromSeconds(play));

            var arrival = new List<double>();
            var playingDate = new List<double>();
            var behind = new List<double>();
            var hlsLatency = new List<double>();
            double target = double.NaN;
            int outside = 0, samples = 0;
            var clock = Stopwatch.StartNew();
            for (var next = TimeSpan.Zero; next < TimeSpan.FromSeconds(sample); next += TimeSpan.FromMilliseconds(250))
            {
                var wait = next - clock.Elapsed;
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait);
                }
                var s = await page.EvaluateAsync<double[]>("() => window.bench.sample()");
                samples++;
                Add(arrival, s[0]);
                Add(playingDate, s[1]);
                Add(behind, s[2]);
                Add(hlsLatency, s[3]);
                target = s[4];
                outside += s[5] > 0 ? 1 : 0;
            }
            var waiting = await page.EvaluateAsync<int>("() => window.bench.waiting");
            var errors = await page.EvaluateAsync<string[]>("() => window.bench.errors.slice(0, 5)");
            string? note = null;
            if (outside > 0)
            {
                note = $"{outside} of {samples} samples past the last listed fragment: extrapolated from it";
            }
            if (errors.Length > 0)
            {
                Console.WriteLine($"  hls.js errors (first 5): {string.Join("; ", errors)}");
            }
            return new ScenarioResult(scenario.Id, scenario.Title, samples, Percentiles.Of(arrival), Percentiles.Of(playingDate),
                Percentiles.Of(behind), Percentiles.Of(hlsLatency), Math.Round(target, 3), waiting, note);
        }
        finally
        {
            if (!ffmpeg.HasExited)
            {
                ffmpeg.Kill(entireProcessTree: true);
                await ffmpeg.WaitForExitAsync();
            }
        }
    }

    private static void Add(List<double> values, double value)
    {
        if (double.IsFinite(value))
        {
            values.Add(value);
        }
    }

    /// <summary>The tests' live publisher: a 320×180 test pattern at 30 fps with a tone, in real time, a keyframe every
    /// second and no scene-cut keyframes.</summary>
    private static Process StartPublisher(string rtmpUrl)
    {
        var gop = Fps.ToString(CultureInfo.InvariantCulture);
        var start = new ProcessStartInfo("/usr/bin/ffmpeg",
        [
            "-v", "error", "-re",
            "-f", "lavfi", "-i", $"testsrc2=size=320x180:rate={Fps}",
            "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000",
            "-t", "600",
            "-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency", "-pix_fmt", "yuv420p", "-b:v", "400k",
            "-g", gop, "-keyint_min", gop, "-sc_threshold", "0",
            "-c:a", "aac", "-b:a", "96k", "-ar", "48000", "-ac", "2",
            "-f", "flv", rtmpUrl,
        ])
        {
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        var process = Process.Start(start) ?? throw new InvalidOperationException("ffmpeg did not start");
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                Console.Error.WriteLine($"  ffmpeg: {e.Data}");
            }
        };
        process.BeginErrorReadLine();
        return process;
    }

    private static async Task FulfilAsync(IRoute route, string nodeModules)
    {
        var path = new Uri(route.Request.Url).AbsolutePath[(PagesPath.Length + 1)..];
        if (path == "player.html")
        {
            await route.FulfillAsync(new() { Status = 200, ContentType = "text/html; charset=utf-8", Body = Html });
            return;
        }
        var file = Path.GetFullPath(Path.Combine(nodeModules, path));
        if (!file.StartsWith(nodeModules, StringComparison.Ordinal) || !File.Exists(file))
        {
            await route.FulfillAsync(new() { Status = 404, Body = "not found" });
            return;
        }
        await route.FulfillAsync(new() { Status = 200, ContentType = "text/javascript", BodyBytes = await File.ReadAllBytesAsync(file) });
    }

    /// <summary>The page: hls.js (low-latency mode on, its default; catch-up optional) and <c>window.bench.sample()</c>,
    /// which returns [arrival to display s, from hls.playingDate s, behind buffered end s, hls.latency s,
    /// hls.targetLatency s, 1 when the position lies past every listed fragment].</summary>
    private const string Html = """
        <!doctype html>
        <html>
        <head><meta charset="utf-8"><title>latency</title></head>
        <body>
        <video id="video" autoplay muted playsinline width="320" height="180"></video>
        <script src="hls.js/dist/hls.min.js"></script>
        <script>
        const query = new URLSearchParams(location.search);
        const video = document.getElementById('video');
        const bench = window.bench = { started: false, failures: [], errors: [], waiting: 0 };
        video.addEventListener('playing', () => { bench.started = true; });
        video.addEventListener('waiting', () => { bench.waiting++; });
        const hls = new Hls({
          lowLatencyMode: true,
          ...(query.has('catchUp') ? { maxLiveSyncPlaybackRate: 1.5 } : {}),
        });
        hls.on(Hls.Events.ERROR, (_, d) => {
          const text = `${d.type} ${d.details}${d.fatal ? ' (fatal)' : ''}`;
          bench.errors.push(text);
          if (d.fatal) bench.failures.push(text);
        });
        // The frame on screen is at video.currentTime; its arrival time at the server is the PROGRAM-DATE-TIME of the
        // fragment holding it plus how far into that fragment it is (hls.js spreads the playlist's dates over every
        // fragment). Past the last listed fragment (a part of the segment being written) the newest dated fragment is
        // extrapolated from, which media time allows since it runs with the server's clock.
        const arrivalOf = (now, t) => {
          const level = hls.levels[hls.currentLevel >= 0 ? hls.currentLevel : hls.loadLevel];
          const fragments = level && level.details ? level.details.fragments : [];
          let best = null;
          for (const f of fragments) {
            if (f.programDateTime == null || f.start > t) continue;
            if (!best || f.start > best.start) best = f;
          }
          if (!best) return [NaN, 0];
          return [(now - (best.programDateTime + (t - best.start) * 1000)) / 1000, t >= best.start + best.duration ? 1 : 0];
        };
        bench.sample = () => {
          const now = Date.now();
          const t = video.currentTime;
          const [arrival, outside] = arrivalOf(now, t);
          const playing = hls.playingDate ? (now - hls.playingDate.getTime()) / 1000 : NaN;
          const behind = video.buffered.length ? video.buffered.end(video.buffered.length - 1) - t : NaN;
          return [arrival, playing, behind, hls.latency, hls.targetLatency ?? NaN, outside];
        };
        hls.loadSource(query.get('src'));
        hls.attachMedia(video);
        </script>
        </body>
        </html>
        """;

    private static string Table(List<ScenarioResult> results)
    {
        var text = new StringBuilder();
        text.AppendLine("| Scenario | Arrival to display p10 / p50 / p90 (s) | hls.playingDate p10 / p50 / p90 (s) | Behind buffered end p10 / p50 / p90 (s) | hls.latency p50 (s) | hls.js target (s) | Stalls |");
        text.AppendLine("|---|---|---|---|---|---|---|");
        foreach (var r in results)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"| {r.Title} | {r.Arrival} | {r.PlayingDate} | {r.BehindBuffered} | {r.HlsLatency.P50:F2} | {r.TargetLatency:F2} | {Math.Max(0, r.WaitingEvents - 1)} |");
        }
        return text.ToString();
    }

    private static int IntOption(string[] args, string name, int fallback) =>
        StringOption(args, name) is { } value ? int.Parse(value, CultureInfo.InvariantCulture) : fallback;

    private static string? StringOption(string[] args, string name)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }

    private sealed record ScenarioResult(string Id, string Title, int Samples, Percentiles Arrival, Percentiles PlayingDate,
        Percentiles BehindBuffered, Percentiles HlsLatency, double TargetLatency, int WaitingEvents, string? Note);

    private sealed record Percentiles(int Count, double P10, double P50, double P90)
    {
        public static Percentiles Of(List<double> values)
        {
            if (values.Count == 0)
            {
                return new(0, double.NaN, double.NaN, double.NaN);
            }
            values.Sort();
            double At(double p) => Math.Round(values[(int)Math.Min(values.Count - 1, p * values.Count)], 3);
            return new(values.Count, At(0.10), At(0.50), At(0.90));
        }

        public override string ToString() => Count == 0 ? "n/a" : string.Create(CultureInfo.InvariantCulture, $"{P10:F2} / {P50:F2} / {P90:F2}");
    }
}
