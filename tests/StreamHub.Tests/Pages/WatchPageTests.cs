using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using StreamHub.Tests.Infrastructure;

namespace StreamHub.Tests.Pages;

public sealed class WatchPageTests(SharedHostFixture fixture) : IClassFixture<SharedHostFixture>
{
    [Fact]
    public async Task The_watch_page_loads_hlsjs_and_waits_for_a_stream_that_is_not_live()
    {
        await using var browser = await Browser.LaunchAsync();
        var page = await browser.Instance.NewPageAsync();
        var response = await page.GotoAsync(new Uri(fixture.Host.HttpBase, "/watch/not-live-yet").ToString());

        Assert.Equal((int)HttpStatusCode.OK, response!.Status);
        Assert.Equal("StreamHub · not-live-yet", await page.TitleAsync());
        Assert.True(await page.EvaluateAsync<bool>("() => typeof window.Hls === 'function' && window.Hls.isSupported()"),
            "hls.js did not load (wwwroot/lib/hls.min.js)");
        await page.WaitForFunctionAsync("() => window.streamhub && window.streamhub.status === 'waiting'", null,
            new() { Timeout = 15_000 });
        Assert.Contains("/hls/not-live-yet/index.m3u8", await page.TextContentAsync("#playlist"));
    }

    [Fact]
    public async Task The_watch_page_plays_a_live_stream_published_by_ffmpeg_in_headless_chromium()
    {
        var (name, key) = await fixture.Host.CreateStreamAsync("browser");

        // A live publish in real time (-re) for longer than the test needs; killed in finally.
        var ffmpeg = Process.Start(new ProcessStartInfo(ExternalProcess.Require("ffmpeg", "ffmpeg"),
        [
            "-v", "error", "-re", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25", "-f", "lavfi", "-i", "sine=frequency=440",
            "-t", "90", "-c:v", "libx264", "-preset", "veryfast", "-g", "25", "-c:a", "aac", "-f", "flv",
            $"rtmp://127.0.0.1:{fixture.Host.RtmpPort}/live/{key}",
        ]) { RedirectStandardError = true, UseShellExecute = false })!;
        try
        {
            await using var browser = await Browser.LaunchAsync();
            var page = await browser.Instance.NewPageAsync();
            await page.GotoAsync(new Uri(fixture.Host.HttpBase, $"/watch/{name}").ToString());

            await page.WaitForFunctionAsync("() => window.streamhub && window.streamhub.status === 'playing'", null, new() { Timeout = 30_000 });
            var first = await PlaybackAsync(page);
            await page.WaitForFunctionAsync($"() => document.getElementById('video').currentTime > {first.Time + 2}", null, new() { Timeout = 20_000 });
            var second = await PlaybackAsync(page);

            Assert.Equal("hls.js", await page.EvaluateAsync<string>("() => window.streamhub.engine"));
            Assert.True(second.Frames > first.Frames, $"decoded frames did not advance: {first.Frames} -> {second.Frames}");
            Assert.True(second.Time > first.Time, $"currentTime did not advance: {first.Time} -> {second.Time}");
            Assert.Equal(320, await page.EvaluateAsync<int>("() => document.getElementById('video').videoWidth"));
            Assert.Empty(await page.EvaluateAsync<string[]>("() => window.streamhub.errors.filter(e => e.startsWith('fatal:'))"));
            // The server's default is low-latency HLS: the page plays it part by part and lets hls.js catch up to its
            // target latency at up to 1.5x.
            Assert.True(await page.EvaluateAsync<bool>("() => window.streamhub.lowLatency === true"), "the page did not see the playlist's parts");
            Assert.True(await page.EvaluateAsync<bool>("() => window.streamhub.hls.config.lowLatencyMode"), "hls.js is not in low-latency mode");
            Assert.Equal(1.5, await page.EvaluateAsync<double>("() => window.streamhub.hls.config.maxLiveSyncPlaybackRate"));
        }
        finally
        {
            if (!ffmpeg.HasExited)
            {
                ffmpeg.Kill(entireProcessTree: true);
            }
            ffmpeg.Dispose();
        }
    }

    [Fact]
    public async Task The_watch_page_low_latency_mode_shows_the_flv_url_and_waits_for_a_stream_that_is_not_live()
    {
        await using var browser = await Browser.LaunchAsync();
        var page = await browser.Instance.NewPageAsync();
        await page.GotoAsync(new Uri(fixture.Host.HttpBase, "/watch/not-live-flv?mode=flv").ToString());

        await page.WaitForFunctionAsync("() => window.streamhub && window.streamhub.status === 'waiting'", null, new() { Timeout = 15_000 });
        Assert.Equal("flv", await page.EvaluateAsync<string>("() => window.streamhub.mode"));
        Assert.Contains("/flv/not-live-flv.flv", await page.TextContentAsync("#playlist"));
        Assert.Equal("page", await page.GetAttributeAsync("#mode-flv", "aria-current"));
        Assert.Equal("?", await page.GetAttributeAsync("#mode-hls", "href"));
    }

    [Fact]
    public async Task The_watch_page_low_latency_mode_plays_http_flv_with_mpegtsjs_in_headless_chromium()
    {
        var (name, key) = await fixture.Host.CreateStreamAsync("browser-flv");
        var ffmpeg = Process.Start(new ProcessStartInfo(ExternalProcess.Require("ffmpeg", "ffmpeg"),
        [
            "-v", "error", "-re", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25", "-f", "lavfi", "-i", "sine=frequency=440",
            "-t", "90", "-c:v", "libx264", "-preset", "veryfast", "-g", "25", "-c:a", "aac", "-f", "flv",
            $"rtmp://127.0.0.1:{fixture.Host.RtmpPort}/live/{key}",
        ]) { RedirectStandardError = true, UseShellExecute = false })!;
        try
        {
            await using var browser = await Browser.LaunchAsync();
            var page = await browser.Instance.NewPageAsync();
            await page.GotoAsync(new Uri(fixture.Host.HttpBase, $"/watch/{name}?mode=flv").ToString());

            await page.WaitForFunctionAsync("() => window.streamhub && window.streamhub.status === 'playing'", null, new() { Timeout = 30_000 });
            Assert.Equal("mpegts.js", await page.EvaluateAsync<string>("() => window.streamhub.engine"));
            var first = await PlaybackAsync(page);
            await page.WaitForFunctionAsync($"() => document.getElementById('video').currentTime > {first.Time + 2}", null, new() { Timeout = 20_000 });
            var second = await PlaybackAsync(page);

            Assert.True(second.Frames > first.Frames, $"decoded frames did not advance: {first.Frames} -> {second.Frames}");
            Assert.True(second.Time > first.Time, $"currentTime did not advance: {first.Time} -> {second.Time}");
            Assert.Equal(320, await page.EvaluateAsync<int>("() => document.getElementById('video').videoWidth"));
            Assert.Empty(await page.EvaluateAsync<string[]>("() => window.streamhub.errors"));
            Assert.Equal(1, fixture.Host.GetService<StreamHub.Playback.PlayerRegistry>().CountsFor(name).HttpFlv);
        }
        finally
        {
            if (!ffmpeg.HasExited)
            {
                ffmpeg.Kill(entireProcessTree: true);
            }
            ffmpeg.Dispose();
        }
    }

    private static async Task<(double Time, int Frames)> PlaybackAsync(Microsoft.Playwright.IPage page)
    {
        var time = await page.EvaluateAsync<double>("() => document.getElementById('video').currentTime");
        var frames = await page.EvaluateAsync<int>("() => document.getElementById('video').getVideoPlaybackQuality().totalVideoFrames");
        return (time, frames);
    }
}
