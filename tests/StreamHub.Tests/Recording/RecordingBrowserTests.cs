using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;
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
}
