using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;
using StreamHub.Tests.Hls.Support;
using StreamHub.Tests.Infrastructure;

namespace StreamHub.Tests.Hls.Players;

/// <summary>nginx with <c>proxy_cache</c> in front of StreamHub's low-latency HLS, configured as README says
/// (<see cref="NginxHlsCache.HlsLocation"/>), fed a live ffmpeg encode with a 1 s keyframe interval. Twenty clients
/// that do what hls.js does (a blocking reload for the next part, then the new parts) through nginx must each get
/// every part in order, the same bytes, while StreamHub answers each part and each blocking reload once: nginx keys
/// blocking reloads with their query string and collapses identical ones (<c>proxy_cache_lock</c>). And hls.js in
/// Chromium plays the stream through nginx as low-latency HLS.</summary>
[Collection(PlayersCollection.Name)]
public sealed partial class CachingProxyTests(ITestOutputHelper output)
{
    private const int Clients = 20;
    private static readonly TimeSpan Watching = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Twenty_blocking_reload_clients_through_nginx_get_every_part_while_the_origin_answers_each_request_once()
    {
        var origin = new OriginRequestLog();
        await using var host = StreamHubHost.Start(new Dictionary<string, string?> { ["StreamHub:Hls:SegmentDurationSeconds"] = "1" },
            configureServices: services => services.AddSingleton<IStartupFilter>(origin));
        var (name, key) = await host.CreateStreamAsync("cache");
        await using var publisher = LivePublisher.Start("publisher (GOP 1 s)", $"rtmp://127.0.0.1:{host.RtmpPort}/live/{key}", LivePublisher.Fps);
        await using var nginx = await NginxHlsCache.StartAsync(host.HttpPort);
        await WaitForSegmentsAsync(publisher, new Uri(host.HttpBase, $"/hls/{name}/index.m3u8"));

        var until = DateTime.UtcNow + Watching;
        var logs = await Task.WhenAll(Enumerable.Range(0, Clients).Select(_ => Task.Run(() => FollowAsync(nginx.Base, name, until))));
        publisher.AssertRunning();
        nginx.AssertRunning();

        // Every client got every part from where it joined, in order, and the same bytes as every other client.
        var bytes = new Dictionary<long, string>();
        foreach (var log in logs)
        {
            Assert.Equal(Enumerable.Range(0, log.Parts.Count).Select(i => log.Parts[0].Number + i), log.Parts.Select(p => p.Number));
            foreach (var (number, hash) in log.Parts)
            {
                Assert.Equal(bytes.TryAdd(number, hash) ? hash : bytes[number], hash);
            }
        }

        // The origin answered each part and the init segment once, and each blocking reload about once, however
        // many clients asked.
        var counts = origin.Counts.Where(c => c.Key.StartsWith($"/hls/{name}/", StringComparison.Ordinal)).ToList();
        var parts = counts.Where(c => PartPath().IsMatch(c.Key)).ToList();
        var blocking = counts.Where(c => c.Key.Contains("?_HLS_msn=", StringComparison.Ordinal)).ToList();
        var clientBlocking = logs.Sum(l => l.Reloads.Count);
        var delays = logs.SelectMany(l => l.Reloads).Select(r => origin.AnsweredAt(r.Url) is { } at ? Stopwatch.GetElapsedTime(at, r.ReceivedAt).TotalMilliseconds : double.NaN)
            .Where(d => !double.IsNaN(d)).Order().ToList();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{Clients} clients, {Watching.TotalSeconds} s: parts per client {logs.Min(l => l.Parts.Count)}-{logs.Max(l => l.Parts.Count)}; " +
            $"origin part requests {parts.Sum(p => p.Value)} for {parts.Count} parts, clients' part requests {logs.Sum(l => l.Parts.Count)}; " +
            $"origin blocking reloads {blocking.Sum(b => b.Value)} for {blocking.Count} URLs, clients' {clientBlocking}; " +
            $"client answer after the origin's (ms) p50 {Percentile(delays, 0.5):0} p90 {Percentile(delays, 0.9):0} max {delays[^1]:0}"));
        var partMs = logs.SelectMany(l => l.PartMs).Order().ToList();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"part GET through nginx (ms) p50 {Percentile(partMs, 0.5):0.0} p90 {Percentile(partMs, 0.9):0} max {partMs[^1]:0}"));
        output.WriteLine(string.Join(", ", blocking.Where(b => b.Value > 1).Select(b => $"{b.Key} x{b.Value}")));
        Assert.All(logs, l => Assert.True(l.Parts.Count >= 20, $"a client got only {l.Parts.Count} parts in {Watching.TotalSeconds} s"));
        Assert.True(parts.Count >= 20, $"the origin served {parts.Count} parts");
        Assert.All(parts, p => Assert.True(p.Value == 1, $"the origin served {p.Key} {p.Value} times"));
        Assert.All(counts.Where(c => c.Key.EndsWith(".mp4", StringComparison.Ordinal)), i => Assert.Equal(1, i.Value));
        Assert.All(blocking, b => Assert.True(b.Value <= 2, $"the origin answered {b.Key} {b.Value} times"));
        Assert.True(blocking.Sum(b => b.Value) <= blocking.Count * 1.1, $"{blocking.Sum(b => b.Value)} origin requests for {blocking.Count} blocking reload URLs");
        Assert.True(clientBlocking >= Clients * 20, $"the clients made only {clientBlocking} blocking reloads");
    }

    [Fact]
    public async Task HlsJs_plays_the_low_latency_stream_through_nginx_for_15_s()
    {
        try
        {
            await PlayThroughNginxAsync(lastAttempt: false);
        }
        catch (StarvedPlayerException starved)
        {
            // A second or more was buffered ahead of the stalled player: the server and nginx had delivered, and the
            // page's decoding was starved of CPU. Once more from the start; a second stall fails.
            output.WriteLine($"first attempt: {starved.Message}; running it again");
            await PlayThroughNginxAsync(lastAttempt: true);
        }
    }

    private sealed class StarvedPlayerException(string message) : Exception(message);

    private async Task PlayThroughNginxAsync(bool lastAttempt)
    {
        PlayerPage.NodeModules();
        await using var host = StreamHubHost.Start(new Dictionary<string, string?> { ["StreamHub:Hls:SegmentDurationSeconds"] = "1" });
        var (name, key) = await host.CreateStreamAsync("cache-hlsjs");
        await using var publisher = LivePublisher.Start("publisher (GOP 1 s)", $"rtmp://127.0.0.1:{host.RtmpPort}/live/{key}", LivePublisher.Fps);
        await using var nginx = await NginxHlsCache.StartAsync(host.HttpPort);
        await WaitForSegmentsAsync(publisher, new Uri(host.HttpBase, $"/hls/{name}/index.m3u8"));

        await using var browser = await Browser.LaunchAsync();
        await using var page = await PlayerPage.OpenAsync(browser.Instance, HlsPlayer.HlsJs, new Uri(nginx.Base, $"/hls/{name}/index.m3u8"), catchUp: true);
        var failures = await page.WaitUntilPlayingAsync(TimeSpan.FromSeconds(30));
        Assert.True(failures.Count == 0, $"{string.Join("; ", failures)}\n{page.Console}");
        var start = await page.PositionAsync();
        // How far hls.js plays behind its buffered end, sampled through the last 7 s: one reading may fall just before
        // a part arrives (nothing ahead) or in a moment's stall; the median does not.
        var samples = new List<double>();
        var sampling = System.Diagnostics.Stopwatch.StartNew();
        await Task.Delay(TimeSpan.FromSeconds(8));
        while (sampling.Elapsed < TimeSpan.FromSeconds(15))
        {
            samples.Add(await page.BehindBufferedAsync());
            await Task.Delay(500);
        }
        publisher.AssertRunning();
        nginx.AssertRunning();
        var end = await page.PositionAsync();
        var advanced = end.Position - start.Position;
        var wall = (end.Clock - start.Clock) / 1000;
        var behind = samples.Order().ElementAt(samples.Count / 2);
        var requests = await page.HlsRequestsAsync();
        var state = await page.StateAsync();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"hls.js through nginx: advanced {advanced:0.00} s in {wall:0.00} s; behind the buffered end {behind:0.00} s (median of {samples.Count} readings over the last 7 s); {state}"));

        failures = await page.FailuresAsync();
        Assert.True(failures.Count == 0, $"{string.Join("; ", failures)}\n{page.Console}");
        if (advanced < wall - 1.5 && !lastAttempt && behind >= 1.0)
        {
            throw new StarvedPlayerException($"hls.js advanced {advanced:0.00} s in {wall:0.00} s; {state}");
        }
        Assert.True(advanced >= wall - 1.5, $"hls.js fell behind: advanced {advanced:0.00} s in {wall:0.00} s\n{page.Console}");
        Assert.True(requests.Count(r => PartPath().IsMatch(r)) >= 20, $"parts fetched: {string.Join(", ", requests.TakeLast(10))}");
        Assert.True(requests.Count(r => r.Contains("index.m3u8?_HLS_msn=", StringComparison.Ordinal)) >= 20, "blocking playlist reloads");
        Assert.InRange(behind, 0.1, 3.0);
    }

    private sealed record Reload(string Url, long ReceivedAt, double Ms, string? Cache);

    private sealed record ClientLog(List<(long Number, string Hash)> Parts, List<Reload> Reloads, List<double> PartMs);

    /// <summary>What hls.js does on a low-latency stream: the playlist once, then a blocking reload for the part after
    /// the last one listed (with a delta update), and a GET of each new part, until <paramref name="until"/>.</summary>
    private static async Task<ClientLog> FollowAsync(Uri nginx, string name, DateTime until)
    {
        using var client = new HttpClient { BaseAddress = nginx, Timeout = TimeSpan.FromSeconds(20) };
        var log = new ClientLog([], [], []);
        var playlist = await client.GetStringAsync($"/hls/{name}/index.m3u8");
        using (var init = await client.GetAsync($"/hls/{name}/{Map().Match(playlist).Groups[1].Value}"))
        {
            Assert.Equal(HttpStatusCode.OK, init.StatusCode);
        }
        // Join three parts behind the newest, as a player holding back PART-HOLD-BACK would.
        var last = PartNumbers(playlist).TakeLast(3).First() - 1;
        while (DateTime.UtcNow < until)
        {
            foreach (var number in PartNumbers(playlist).Where(n => n > last))
            {
                var asked = Stopwatch.GetTimestamp();
                using var response = await client.GetAsync($"/hls/{name}/p{number}.m4s");
                log.PartMs.Add(Stopwatch.GetElapsedTime(asked).TotalMilliseconds);
                Assert.True(response.StatusCode == HttpStatusCode.OK, $"p{number}.m4s: {(int)response.StatusCode}");
                log.Parts.Add((number, Convert.ToHexString(SHA256.HashData(await response.Content.ReadAsByteArrayAsync()))));
                last = number;
            }
            var (msn, part) = NextPart(playlist);
            var url = $"/hls/{name}/index.m3u8?_HLS_msn={msn}&_HLS_part={part}&_HLS_skip=YES";
            var reloaded = Stopwatch.GetTimestamp();
            using var answer = await client.GetAsync(url);
            Assert.True(answer.StatusCode == HttpStatusCode.OK, $"{url}: {(int)answer.StatusCode}");
            playlist = await answer.Content.ReadAsStringAsync();
            log.Reloads.Add(new Reload(url, Stopwatch.GetTimestamp(), Stopwatch.GetElapsedTime(reloaded).TotalMilliseconds,
                answer.Headers.TryGetValues("X-Cache-Status", out var status) ? status.First() : null));
        }
        return log;
    }

    private static IEnumerable<long> PartNumbers(string playlist) =>
        PartUri().Matches(playlist).Select(m => long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture));

    /// <summary>The segment being written (after every whole segment listed, skipped ones included) and the index
    /// in it of the part after its parts listed so far.</summary>
    private static (long Msn, int Part) NextPart(string playlist)
    {
        var lines = playlist.Split('\n');
        long Tag(string prefix) => lines.FirstOrDefault(l => l.StartsWith(prefix, StringComparison.Ordinal)) is { } line
            ? long.Parse(line[prefix.Length..], CultureInfo.InvariantCulture) : 0;
        var msn = Tag("#EXT-X-MEDIA-SEQUENCE:") + Tag("#EXT-X-SKIP:SKIPPED-SEGMENTS=") + lines.Count(l => l.StartsWith("#EXTINF:", StringComparison.Ordinal));
        var lastSegment = Array.FindLastIndex(lines, l => l.Length > 0 && l[0] != '#');
        var part = lines.Skip(lastSegment + 1).Count(l => l.StartsWith("#EXT-X-PART:", StringComparison.Ordinal));
        return (msn, part);
    }

    private static double Percentile(List<double> sorted, double p) => sorted.Count == 0 ? double.NaN : sorted[(int)Math.Min(sorted.Count - 1, p * sorted.Count)];

    private static Task WaitForSegmentsAsync(BackgroundProcess publisher, Uri playlist) =>
        PlaylistWait.UntilSegmentsAsync(playlist, 3, publisher, TimeSpan.FromSeconds(45));

    [GeneratedRegex(@"/p\d+\.m4s$")]
    private static partial Regex PartPath();

    [GeneratedRegex(@"#EXT-X-PART:[^\n]*URI=""p(\d+)\.m4s""")]
    private static partial Regex PartUri();

    [GeneratedRegex(@"#EXT-X-MAP:URI=""([^""]+)""")]
    private static partial Regex Map();
}
