using System.Net;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using StreamHub.Tests.Infrastructure;

namespace StreamHub.Tests.Recording;

/// <summary>The rewind window of a live stream, from its recording: the playlist over the file being written, the
/// byte-range rule, and hls.js in headless Chromium seeking back and jumping to live on the watch page.</summary>
public sealed class RewindTests(RecordingHostFixture fixture) : IClassFixture<RecordingHostFixture>
{
    [Fact]
    public async Task A_viewer_seeks_back_in_the_rewind_window_of_a_live_stream_and_jumps_back_to_live()
    {
        var host = fixture.Host;
        var (name, key) = await host.CreateStreamAsync("rewind");
        await using var publisher = BackgroundProcess.Start("ffmpeg", ExternalProcess.Require("ffmpeg", "ffmpeg"),
        [
            "-hide_banner", "-nostdin", "-v", "error", "-re",
            "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25", "-f", "lavfi", "-i", "sine=frequency=440",
            "-t", "60", "-c:v", "libx264", "-preset", "veryfast", "-g", "25", "-c:a", "aac",
            "-f", "flv", $"rtmp://127.0.0.1:{host.RtmpPort}/live/{key}",
        ]);
        using var anonymous = host.CreateHttpClient(withAdminKey: false);

        // Eight one-second fragments written: the window holds them all from the start of the publish.
        string playlist = "";
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (Regex.Matches(playlist, "#EXT-X-BYTERANGE:").Count < 8)
        {
            publisher.AssertRunning();
            Assert.True(DateTime.UtcNow < deadline, "the rewind playlist did not grow: " + playlist);
            await Task.Delay(250);
            var response = await anonymous.GetAsync($"/hls/{name}/rewind.m3u8");
            playlist = response.IsSuccessStatusCode ? await response.Content.ReadAsStringAsync() : "";
        }
        Assert.Contains("#EXT-X-MEDIA-SEQUENCE:0\n", playlist);
        Assert.DoesNotContain("#EXT-X-ENDLIST", playlist);
        var media = Regex.Match(playlist, "#EXT-X-MAP:URI=\"(rewind/[^\"]+)\"").Groups[1].Value;
        Assert.Equal(HttpStatusCode.RequestedRangeNotSatisfiable, (await anonymous.GetAsync($"/hls/{name}/{media}")).StatusCode);

        await using var browser = await Browser.LaunchAsync();
        var page = await browser.Instance.NewPageAsync();
        await page.GotoAsync(new Uri(host.HttpBase, $"/watch/{name}?mode=rewind").ToString());
        await page.WaitForFunctionAsync("() => window.streamhub && window.streamhub.status === 'playing'", null, new() { Timeout = 30_000 });
        Assert.Equal("hls.js", await page.EvaluateAsync<string>("() => window.streamhub.engine"));
        await page.WaitForFunctionAsync("() => { const v = document.getElementById('video'); return v.seekable.length && v.seekable.end(0) > 9; }",
            null, new() { Timeout = 20_000 });

        // Back to the second second of the publish: it plays from there, well behind live.
        await page.EvaluateAsync("() => { document.getElementById('video').currentTime = 1; }");
        await page.WaitForFunctionAsync("() => { const v = document.getElementById('video'); return !v.seeking && v.currentTime > 1.3 && v.currentTime < 5; }",
            null, new() { Timeout = 20_000 });
        var behind = await page.EvaluateAsync<double>("() => { const v = document.getElementById('video'); return v.seekable.end(0) - v.currentTime; }");
        Assert.True(behind > 5, $"only {behind} s behind live after seeking back");

        await page.ClickAsync("#to-live");
        await page.WaitForFunctionAsync("() => { const v = document.getElementById('video'); return !v.seeking && v.seekable.end(0) - v.currentTime < 5; }",
            null, new() { Timeout = 20_000 });
        Assert.Empty(await page.EvaluateAsync<string[]>("() => window.streamhub.errors.filter(e => e.startsWith('fatal:'))"));
    }
}
