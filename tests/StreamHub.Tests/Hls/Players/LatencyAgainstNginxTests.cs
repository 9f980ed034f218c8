using System.Globalization;
using StreamHub.Tests.Infrastructure;
using Xunit.Abstractions;

namespace StreamHub.Tests.Hls.Players;

/// <summary>StreamHub's HLS reaches a viewer no later than nginx-rtmp's: one ffmpeg encode with a keyframe every 2 s
/// is sent to both at once (tee muxer), nginx-rtmp set to StreamHub's 2 s segments and 12 s window, and hls.js plays
/// each in Chromium. hls.js holds back a number of target durations from the live edge, so a TARGETDURATION higher
/// than the segments need shows up directly in its <c>latency</c>. Where in a segment a player happens to start adds
/// up to a segment of its own to that, which has nothing to do with the server: both players may catch up (play at up
/// to 1.5×) to their target, so what is compared is where each server lets hls.js settle.</summary>
[Collection(PlayersCollection.Name)]
public sealed class LatencyAgainstNginxTests(ITestOutputHelper output)
{
    private const int GopFrames = 60;
    private const int MinSegments = 3;
    private const double Tolerance = 0.5;
    private static readonly TimeSpan Playing = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan Sampled = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan SampleInterval = TimeSpan.FromMilliseconds(500);

    [Fact]
    public async Task HlsJs_latency_on_a_2_s_gop_stream_is_no_more_than_nginx_rtmps_plus_half_a_second()
    {
        PlayerPage.NodeModules();
        await using var nginx = await NginxRtmpServer.StartAsync(fragment: "2s", playlistLength: "12s");
        await using var host = StreamHubHost.Start();
        var (name, key) = await host.CreateStreamAsync("latency");
        var streamHubPlaylist = new Uri(host.HttpBase, $"/hls/{name}/index.m3u8");
        var nginxPlaylist = nginx.PlaylistUrl(name);
        await using var publisher = LivePublisher.StartTee("publisher (tee to StreamHub and nginx-rtmp)",
            [$"rtmp://127.0.0.1:{host.RtmpPort}/live/{key}", nginx.PublishUrl(name)], GopFrames);

        await WaitForSegmentsAsync(publisher, streamHubPlaylist, nginxPlaylist);
        await using var browser = await Browser.LaunchAsync();
        var pages = await Task.WhenAll(
            PlayerPage.OpenAsync(browser.Instance, HlsPlayer.HlsJs, streamHubPlaylist, catchUp: true),
            PlayerPage.OpenAsync(browser.Instance, HlsPlayer.HlsJs, nginxPlaylist, catchUp: true));
        await using var streamHubPage = pages[0];
        await using var nginxPage = pages[1];
        foreach (var (page, server) in new[] { (streamHubPage, "StreamHub"), (nginxPage, "nginx-rtmp") })
        {
            var failures = await page.WaitUntilPlayingAsync(TimeSpan.FromSeconds(30));
            Assert.True(failures.Count == 0, $"hls.js on {server}: {string.Join("; ", failures)}\n{page.Console}");
        }

        // hls.latency is the estimated live edge (the playlist's end plus the time since it last grew) minus the
        // position, so it jumps a little at each playlist reload; the mean of the last 10 s damps that.
        await Task.Delay(Playing - Sampled);
        var samples = new List<double[]>();
        for (var elapsed = TimeSpan.Zero; elapsed < Sampled; elapsed += SampleInterval)
        {
            samples.Add(await Task.WhenAll(streamHubPage.LatencyAsync(), nginxPage.LatencyAsync()));
            await Task.Delay(SampleInterval);
        }
        var final = await Task.WhenAll(streamHubPage.LatencyAsync(), nginxPage.LatencyAsync());
        samples.Add(final);
        var latencies = new[] { samples.Average(l => l[0]), samples.Average(l => l[1]) };
        publisher.AssertRunning();
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var streamHubTarget = (await LivePlaylist.TryGetAsync(client, streamHubPlaylist))?.TargetDuration;
        var nginxTarget = (await LivePlaylist.TryGetAsync(client, nginxPlaylist))?.TargetDuration;
        var figures = string.Create(CultureInfo.InvariantCulture,
            $"hls.js latency after {Playing.TotalSeconds:0} s of playback: StreamHub {final[0]:0.00} s (mean of the last {Sampled.TotalSeconds:0} s " +
            $"{latencies[0]:0.00} s, {samples.Min(l => l[0]):0.00}-{samples.Max(l => l[0]):0.00}; TARGETDURATION {streamHubTarget}), " +
            $"nginx-rtmp {final[1]:0.00} s (mean {latencies[1]:0.00} s, {samples.Min(l => l[1]):0.00}-{samples.Max(l => l[1]):0.00}; TARGETDURATION {nginxTarget})");
        output.WriteLine(figures);

        foreach (var (page, server) in new[] { (streamHubPage, "StreamHub"), (nginxPage, "nginx-rtmp") })
        {
            var failures = await page.FailuresAsync();
            Assert.True(failures.Count == 0, $"hls.js on {server}: {string.Join("; ", failures)}");
        }
        Assert.True(double.IsFinite(latencies[0]) && double.IsFinite(latencies[1]), figures);
        Assert.True(latencies[0] <= latencies[1] + Tolerance,
            $"StreamHub's HLS plays {latencies[0] - latencies[1]:0.00} s later than nginx-rtmp's (means; allowed: {Tolerance} s). {figures}");
    }

    private static async Task WaitForSegmentsAsync(BackgroundProcess publisher, params Uri[] playlists)
    {
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(45);
        var counts = new int[playlists.Length];
        while (DateTime.UtcNow < deadline)
        {
            publisher.AssertRunning();
            for (var i = 0; i < playlists.Length; i++)
            {
                counts[i] = (await LivePlaylist.TryGetAsync(client, playlists[i]))?.Segments.Count ?? 0;
            }
            if (counts.All(c => c >= MinSegments))
            {
                return;
            }
            await Task.Delay(250);
        }
        Assert.Fail($"Not {MinSegments} segments within 45 s: {string.Join(", ", playlists.Zip(counts, (p, c) => $"{p}: {c}"))}\n{publisher.Output}");
    }
}
