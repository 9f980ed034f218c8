using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;
using StreamHub.Tests.Infrastructure;

namespace StreamHub.Tests.Recording;

/// <summary>The dashboard's Recordings part in headless Chromium: the stream's switch (saved through the API), the
/// list, and Replay opening the watch page on a signed link that plays.</summary>
public sealed class RecordingDashboardTests(RecordingHostFixture fixture) : IClassFixture<RecordingHostFixture>
{
    [Fact]
    public async Task The_recordings_part_lists_a_recording_replays_it_and_switches_the_stream_off()
    {
        var (name, key) = await fixture.Host.CreateStreamAsync("rec-dash");
        await fixture.PublishAsync(key, seconds: 4);
        var (_, files) = await fixture.WaitForRecordingAsync(name);
        var id = Assert.Single(files).Name;

        await using var browser = await Browser.LaunchAsync();
        var context = await browser.Instance.NewContextAsync();
        var page = await context.NewPageAsync();
        page.SetDefaultTimeout(15_000);
        await page.GotoAsync(fixture.Host.HttpBase.ToString());
        await page.GetByLabel("Admin API key").FillAsync(StreamHubHost.AdminKey);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Assertions.Expect(page.Locator("#dashboard")).ToBeVisibleAsync();
        var row = page.Locator($"[data-testid='stream-row'][data-stream='{name}']");
        await row.GetByTestId("recordings").Locator("summary").ClickAsync();

        var recording = row.Locator($"[data-testid='recording-row'][data-recording='{id}']");
        await Assertions.Expect(recording).ToContainTextAsync("h264, aac");
        await Assertions.Expect(row.GetByTestId("recording-state")).ToHaveTextAsync("Recorded when live");
        await Assertions.Expect(row.GetByTestId("recordings-summary")).ToContainTextAsync("(1,");

        var popup = await context.RunAndWaitForPageAsync(() => recording.GetByTestId("recording-replay").ClickAsync());
        await popup.WaitForFunctionAsync("() => window.streamhub && window.streamhub.status === 'playing'", null, new() { Timeout = 30_000 });
        Assert.Contains("sig=", popup.Url);
        Assert.Equal("hls.js", await popup.EvaluateAsync<string>("() => window.streamhub.engine"));

        await row.GetByTestId("recording-setting").SelectOptionAsync("off");
        await Assertions.Expect(row.GetByTestId("recording-state")).ToHaveTextAsync("Not recorded");
        using var admin = fixture.Host.CreateHttpClient();
        var list = await admin.GetFromJsonAsync<JsonElement>($"/api/streams/{name}/recordings");
        Assert.False(list.GetProperty("setting").GetBoolean());
    }
}
