using System.Net;
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
}
