using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;
using StreamHub.Tests.Hls.Players;
using StreamHub.Tests.Infrastructure;

namespace StreamHub.Tests.Recording;

/// <summary>Headless Chromium plays recordings: the MP4 by its signed URL in a plain <c>&lt;video&gt;</c>, seeking
/// through range requests, and the watch page's replay mode (hls.js on the VOD playlist).</summary>
public sealed class RecordingBrowserTests(RecordingHostFixture fixture) : IClassFixture<RecordingHostFixture>
{
    private async Task<(string Name, string Id, JsonElement Link)> RecordAsync(string prefix, int seconds)
    {
        var (name, key) = await fixture.Host.CreateStreamAsync(prefix);
        await fixture.PublishAsync(key, seconds);
        var (_, files) = await fixture.WaitForRecordingAsync(name);
        var id = Assert.Single(files).Name;
        using var admin = fixture.Host.CreateHttpClient();
        var link = await (await admin.PostAsJsonAsync($"/api/streams/{name}/recordings/{id}/links", new { expiresInSeconds = 600 }))
            .Content.ReadFromJsonAsync<JsonElement>();
        return (name, id, link);
    }

    [Fact]
    public async Task A_video_element_plays_the_recording_by_its_signed_url_and_a_seek_plays_from_there_through_range_requests()
    {
        var (_, _, link) = await RecordAsync("rec-video", seconds: 10);
        var url = new Uri(fixture.Host.HttpBase, link.GetProperty("url").GetString()).ToString();
        await using var browser = await Browser.LaunchAsync();
        var page = await browser.Instance.NewPageAsync();
        var partial = 0;
        page.Response += (_, response) =>
        {
            if (response.Url.Contains(".mp4", StringComparison.Ordinal) && response.Status == 206)
            {
                Interlocked.Increment(ref partial);
            }
        };
        await page.GotoAsync(new Uri(fixture.Host.HttpBase, "/healthz").ToString());
        await page.SetContentAsync($"<video id=\"video\" muted autoplay playsinline src=\"{url}\"></video>");

        await page.WaitForFunctionAsync("() => document.getElementById('video').readyState >= 2", null, new() { Timeout = 30_000 });
        var duration = await page.EvaluateAsync<double>("() => document.getElementById('video').duration");
        Assert.InRange(duration, 9.5, 10.5);
        Assert.Equal(320, await page.EvaluateAsync<int>("() => document.getElementById('video').videoWidth"));

        await page.EvaluateAsync("() => { const v = document.getElementById('video'); v.currentTime = 7; v.play(); }");
        await page.WaitForFunctionAsync("() => { const v = document.getElementById('video'); return !v.seeking && v.currentTime > 7.5; }", null,
            new() { Timeout = 20_000 });
        Assert.True(await page.EvaluateAsync<bool>("() => document.getElementById('video').error === null"));
        Assert.True(partial > 0, "Chromium fetched the recording without a range request");
    }

    [Fact]
    public async Task The_watch_page_replays_a_recording_as_hls_vod_with_hlsjs_and_seeks_in_it()
    {
        var (name, id, link) = await RecordAsync("rec-replay", seconds: 10);
        var query = new Uri(fixture.Host.HttpBase, link.GetProperty("url").GetString()).Query.TrimStart('?');
        await using var browser = await Browser.LaunchAsync();
        var page = await browser.Instance.NewPageAsync();

        await page.GotoAsync(new Uri(fixture.Host.HttpBase, $"/watch/{name}?replay={Path.GetFileNameWithoutExtension(id)}&{query}").ToString());

        await page.WaitForFunctionAsync("() => window.streamhub && window.streamhub.status === 'playing'", null, new() { Timeout = 30_000 });
        Assert.Equal("hls.js", await page.EvaluateAsync<string>("() => window.streamhub.engine"));
        Assert.InRange(await page.EvaluateAsync<double>("() => document.getElementById('video').duration"), 9.5, 10.5);
        await page.EvaluateAsync("() => { document.getElementById('video').currentTime = 6; }");
        await page.WaitForFunctionAsync("() => { const v = document.getElementById('video'); return !v.seeking && v.currentTime > 6.5; }", null,
            new() { Timeout = 20_000 });
        Assert.Empty(await page.EvaluateAsync<string[]>("() => window.streamhub.errors.filter(e => e.startsWith('fatal:'))"));
        Assert.Equal("Replay", await page.TextContentAsync("#status"));
    }

    [Fact]
    public async Task Hlsjs_plays_the_event_playlist_of_a_recording_still_being_written_and_follows_it_as_it_grows()
    {
        var host = fixture.Host;
        var (name, key) = await host.CreateStreamAsync("rec-growing");
        await using var publisher = BackgroundProcess.Start("ffmpeg", ExternalProcess.Require("ffmpeg", "ffmpeg"),
        [
            "-hide_banner", "-nostdin", "-v", "error", "-re",
            "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25", "-f", "lavfi", "-i", "sine=frequency=440",
            "-t", "60", "-c:v", "libx264", "-preset", "veryfast", "-g", "25", "-c:a", "aac",
            "-f", "flv", $"rtmp://127.0.0.1:{host.RtmpPort}/live/{key}",
        ]);
        using var admin = host.CreateHttpClient();
        using var anonymous = host.CreateHttpClient(withAdminKey: false);

        // The recording in progress, once a few fragments are in it.
        string? id = null;
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            publisher.AssertRunning();
            Assert.True(DateTime.UtcNow < deadline, $"{name} has no recording in progress with 4 s in it");
            var list = await admin.GetFromJsonAsync<JsonElement>($"/api/streams/{name}/recordings");
            var recording = list.GetProperty("recordings").EnumerateArray().SingleOrDefault();
            if (recording.ValueKind == JsonValueKind.Object && recording.GetProperty("inProgress").GetBoolean() && recording.GetProperty("durationSeconds").GetDouble() >= 4)
            {
                id = recording.GetProperty("id").GetString();
                break;
            }
            await Task.Delay(250);
        }
        var link = await (await admin.PostAsJsonAsync($"/api/streams/{name}/recordings/{id}/links", new { expiresInSeconds = 600 }))
            .Content.ReadFromJsonAsync<JsonElement>();
        var playlistUrl = new Uri(host.HttpBase, link.GetProperty("playlistUrl").GetString());
        var playlist = await anonymous.GetStringAsync(playlistUrl);
        Assert.Contains("#EXT-X-PLAYLIST-TYPE:EVENT\n", playlist);
        Assert.DoesNotContain("#EXT-X-ENDLIST", playlist);
        var listed = Listed(playlist);

        await using var browser = await Browser.LaunchAsync();
        await using var viewer = await PlayerPage.OpenAsync(browser.Instance, HlsPlayer.HlsJs, playlistUrl);
        var failures = await viewer.WaitUntilPlayingAsync(TimeSpan.FromSeconds(30));
        Assert.True(failures.Count == 0, string.Join("; ", failures) + "\n" + viewer.Console);

        // It plays past the end of the playlist it was given: it reloaded the playlist and fetched the fragments
        // written since (an EVENT playlist is live to hls.js).
        deadline = DateTime.UtcNow + TimeSpan.FromSeconds(40);
        double position;
        while ((position = (await viewer.PositionAsync()).Position) < listed + 4)
        {
            publisher.AssertRunning();
            Assert.True(DateTime.UtcNow < deadline, $"hls.js stayed at {position:0.0} s of a recording that listed {listed:0.0} s when it opened " +
                $"({await viewer.StateAsync()})\n{viewer.Console}");
            await Task.Delay(250);
        }
        Assert.Empty(await viewer.FailuresAsync());
        var again = await anonymous.GetStringAsync(playlistUrl);
        Assert.Contains("#EXT-X-PLAYLIST-TYPE:EVENT\n", again);
        Assert.True(Listed(again) >= listed + 4, again);
    }

    /// <summary>The media seconds a playlist lists.</summary>
    private static double Listed(string playlist) => System.Text.RegularExpressions.Regex.Matches(playlist, @"#EXTINF:([0-9.]+),")
        .Sum(m => double.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));
}
