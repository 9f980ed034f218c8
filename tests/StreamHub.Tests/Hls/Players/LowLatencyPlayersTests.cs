using System.Globalization;
using Xunit.Abstractions;
using StreamHub.Tests.Hls.Support;
using StreamHub.Tests.Infrastructure;

namespace StreamHub.Tests.Hls.Players;

/// <summary>Low-latency HLS over fMP4, the server's default, in Chromium: hls.js in low-latency mode over HTTP and over
/// HTTPS with HTTP/2 (on the port that also sniffs RTMPS), Shaka Player and video.js over HTTP, all watching one live
/// ffmpeg encode with a 1 s keyframe interval. Each must play for 20 s with its position advancing and no error, and
/// hls.js must play it as low-latency HLS: fetching parts and reloading the playlist with blocking requests, and
/// playing within a few parts of the newest media it has received.</summary>
[Collection(PlayersCollection.Name)]
public sealed partial class LowLatencyPlayersTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Playing = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task HlsJs_over_http_and_https_h2_shaka_player_and_videojs_play_the_low_latency_stream_for_20_s()
    {
        try
        {
            await PlayAsync(lastAttempt: false);
        }
        catch (StarvedPlayerException starved)
        {
            // Seconds of media were buffered ahead of the stalled player: the server had delivered, and the page's
            // decoding was starved of CPU (four players in one browser beside a live encoder on two shared cores).
            // Once more from the start; a second stall fails. A stall with nothing buffered ahead fails at once.
            output.WriteLine($"first attempt: {starved.Message}; running it again");
            await PlayAsync(lastAttempt: true);
        }
    }

    private async Task PlayAsync(bool lastAttempt)
    {
        PlayerPage.NodeModules();
        await using var host = StreamHubHost.Start(new Dictionary<string, string?> { ["StreamHub:Hls:SegmentDurationSeconds"] = "1" });
        var (name, key) = await host.CreateStreamAsync("ll");
        await using var publisher = LivePublisher.Start("publisher (GOP 1 s)", $"rtmp://127.0.0.1:{host.RtmpPort}/live/{key}", LivePublisher.Fps);
        var http = new Uri(host.HttpBase, $"/hls/{name}/index.m3u8");
        var https = new Uri($"https://127.0.0.1:{host.HttpsPort}/hls/{name}/index.m3u8");
        await WaitForPartsAsync(publisher, http);

        await using var browser = await Browser.LaunchAsync();
        var viewers = new (string Label, HlsPlayer Player, Uri Playlist)[]
        {
            ("hls.js over HTTP", HlsPlayer.HlsJs, http),
            ("hls.js over HTTPS", HlsPlayer.HlsJs, https),
            ("Shaka Player", HlsPlayer.Shaka, http),
            ("video.js", HlsPlayer.VideoJs, http),
        };
        // hls.js may play up to 1.5x fast to reach its target latency (PART-HOLD-BACK), as a low-latency page would.
        var pages = await Task.WhenAll(viewers.Select(v => PlayerPage.OpenAsync(browser.Instance, v.Player, v.Playlist, catchUp: v.Player == HlsPlayer.HlsJs)));
        try
        {
            var starts = new (double Position, double Clock)[pages.Length];
            for (var i = 0; i < pages.Length; i++)
            {
                var failures = await pages[i].WaitUntilPlayingAsync(TimeSpan.FromSeconds(30));
                Assert.True(failures.Count == 0, $"{viewers[i].Label}: {string.Join("; ", failures)}\n{pages[i].Console}");
            }
            for (var i = 0; i < pages.Length; i++)
            {
                starts[i] = await pages[i].PositionAsync();
            }
            // How far each hls.js plays behind its buffered end, sampled through the second half: a page whose
            // decoding was starved for a moment (a 'waiting' event) plays further behind until it has caught up, so
            // one reading at the end may catch that moment; the median of the half does not.
            var samples = new List<double>[] { [], [] };
            var sampling = System.Diagnostics.Stopwatch.StartNew();
            await Task.Delay(Playing / 2);
            while (sampling.Elapsed < Playing)
            {
                for (var i = 0; i < 2; i++)
                {
                    samples[i].Add(await pages[i].BehindBufferedAsync());
                }
                await Task.Delay(500);
            }
            publisher.AssertRunning();

            var report = new List<string>();
            for (var i = 0; i < pages.Length; i++)
            {
                var (position, clock) = await pages[i].PositionAsync();
                var advanced = position - starts[i].Position;
                var wall = (clock - starts[i].Clock) / 1000;
                var failures = await pages[i].FailuresAsync();
                var state = await pages[i].StateAsync();
                report.Add($"{viewers[i].Label}: advanced {advanced:0.00} s in {wall:0.00} s; {state}");
                Assert.True(failures.Count == 0, $"{viewers[i].Label}: {string.Join("; ", failures)}\n{pages[i].Console}");
                // The position must keep up with the clock: a stall of more than 2.5 s fails. Four players share one
                // browser here beside a live encoder and the rest of the suite, and video.js once lost 1.6 s in short
                // waits with 3.4 s buffered ahead (the parts had arrived; its decoding was starved).
                if (advanced < wall - 2.5)
                {
                    var message = $"{viewers[i].Label} fell behind: {report[^1]}";
                    if (!lastAttempt && await pages[i].BehindBufferedAsync() >= 1.0)
                    {
                        throw new StarvedPlayerException(message);
                    }
                    Assert.Fail($"{message}\n{pages[i].Console}");
                }
            }
            // The newest media a player holds is at most a part (a third of a second) older than the newest frame the
            // server has, so how far a player plays behind its buffered end is its latency, less that part.
            var behindAtEnd = await Task.WhenAll(pages.Select(p => p.BehindBufferedAsync()));
            var behind = samples.Select(Median).ToArray();
            var arrival = await Task.WhenAll(pages[0].ArrivalLatencyAsync(), pages[1].ArrivalLatencyAsync());
            report.Add(string.Create(CultureInfo.InvariantCulture,
                $"behind the buffered end at the end: {string.Join(", ", viewers.Zip(behindAtEnd, (v, b) => $"{v.Label} {b:0.00} s"))}; " +
                $"hls.js median over the last {Playing.TotalSeconds / 2:0} s: {behind[0]:0.00} s, {behind[1]:0.00} s ({samples[0].Count} samples each); " +
                $"hls.js Date.now() - playingDate: {arrival[0]:0.00} s, {arrival[1]:0.00} s"));
            var protocols = await pages[1].HlsProtocolsAsync();
            report.Add($"HTTPS requests went over: {string.Join(", ", protocols)}");
            output.WriteLine(string.Join('\n', report));

            Assert.Equal(["h2"], protocols);
            // hls.js plays it as low-latency HLS: it fetched parts and reloaded the playlist with blocking requests.
            for (var i = 0; i < 2; i++)
            {
                var requests = await pages[i].HlsRequestsAsync();
                var parts = requests.Count(r => PartUrl().IsMatch(r));
                if (parts < 20 && !lastAttempt && behind[i] > 3.0)
                {
                    // A player whose decoding was starved plays seconds behind media it holds, and loads segments
                    // whole once they are complete rather than part by part: the server had delivered the parts.
                    throw new StarvedPlayerException($"{viewers[i].Label} fetched {parts} parts and plays {behind[i]:0.00} s behind its buffered end");
                }
                Assert.True(parts >= 20, $"{viewers[i].Label}: {parts} parts fetched: {string.Join(", ", requests.TakeLast(10))}");
                Assert.True(requests.Count(r => r.Contains("index.m3u8?_HLS_msn=", StringComparison.Ordinal)) >= 20, "blocking playlist reloads");
            }
            // PART-HOLD-BACK is 1 s; whole 1 s segments would put hls.js three segments (about 3 s) behind.
            if (!lastAttempt && behind.Any(b => b > 3.0))
            {
                throw new StarvedPlayerException($"hls.js plays {behind[0]:0.00} and {behind[1]:0.00} s behind its buffered end");
            }
            Assert.All(behind, b => Assert.InRange(b, 0.1, 3.0));
        }
        finally
        {
            foreach (var page in pages)
            {
                await page.DisposeAsync();
            }
        }
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted[sorted.Count / 2];
    }

    private static Task WaitForPartsAsync(BackgroundProcess publisher, Uri playlist) =>
        PlaylistWait.UntilSegmentsAsync(playlist, 3, publisher, TimeSpan.FromSeconds(45));

    private sealed class StarvedPlayerException(string message) : Exception(message);

    [System.Text.RegularExpressions.GeneratedRegex(@"/p\d+\.m4s$")]
    private static partial System.Text.RegularExpressions.Regex PartUrl();
}
