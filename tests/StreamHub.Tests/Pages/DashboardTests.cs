using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using StreamHub.Playback;
using StreamHub.Tests.EndToEnd;
using StreamHub.Tests.Infrastructure;

namespace StreamHub.Tests.Pages;

/// <summary>The admin dashboard at <c>/</c> in headless Chromium against the real server: sign-in, create, the key
/// shown once, live stats from an ffmpeg publish, the inline preview, rotate, delete, phone width.</summary>
public sealed class DashboardTests(SharedHostFixture fixture) : IClassFixture<SharedHostFixture>
{
    private const float StepTimeout = 15_000;

    [Fact]
    public async Task Signed_in_the_dashboard_creates_a_stream_shows_its_key_once_shows_it_live_previews_it_and_rotating_refuses_the_old_key()
    {
        await using var browser = await Browser.LaunchAsync();
        var context = await browser.Instance.NewContextAsync(new() { ViewportSize = new() { Width = 1280, Height = 900 } });
        var page = await context.NewPageAsync();
        page.SetDefaultTimeout(StepTimeout);
        await SignInAsync(page, StreamHubHost.AdminKey);

        // The key is kept for this tab only: sessionStorage, not a cookie, not localStorage.
        Assert.Equal(StreamHubHost.AdminKey, await page.EvaluateAsync<string>("() => sessionStorage.getItem('streamhub.adminKey')"));
        Assert.Equal(0, await page.EvaluateAsync<int>("() => localStorage.length"));
        Assert.DoesNotContain(await context.CookiesAsync(), c => c.Value.Contains(StreamHubHost.AdminKey));
        Assert.Equal("", await page.EvaluateAsync<string>("() => document.cookie"));

        // The listener panel shows the RTMP port the publish URLs use.
        await Assertions.Expect(page.Locator("#ports [data-listener='RTMP']")).ToContainTextAsync(fixture.Host.RtmpPort.ToString());
        await Assertions.Expect(page.Locator("#ports [data-listener='RTMP']")).ToContainTextAsync("bound");

        var name = UniqueNames.Stream("dash");
        await page.FillAsync("#stream-name", name);
        await page.FillAsync("#stream-description", "dashboard test");
        await page.ClickAsync("#create-button");

        var panel = page.Locator("#key-panel");
        await Assertions.Expect(panel).ToBeVisibleAsync();
        await Assertions.Expect(panel).ToContainTextAsync("will not be shown again");
        var key = (await page.TextContentAsync("#obs-key"))!.Trim();
        Assert.Matches("^[A-Za-z0-9_-]{20,}$", key);
        var server = $"rtmp://127.0.0.1:{fixture.Host.RtmpPort}/live";
        Assert.Equal(server, (await page.TextContentAsync("#obs-server"))!.Trim());
        Assert.Equal($"{server}/{key}", (await page.TextContentAsync("#ffmpeg-url"))!.Trim());
        Assert.Equal(3, await panel.GetByRole(AriaRole.Button, new() { NameRegex = new("^Copy") }).CountAsync());

        var row = StreamRow(page, name);
        await Assertions.Expect(row.GetByTestId("live-badge")).ToHaveTextAsync("Offline");
        await Assertions.Expect(row.GetByTestId("viewers")).ToHaveTextAsync("—");
        Assert.DoesNotContain(key, await row.TextContentAsync() ?? "");

        using var ffmpeg = StartPublishing(key);
        try
        {
            // Live, with the stats the server measures, updated by the page's own polling.
            await Assertions.Expect(row.GetByTestId("live-badge")).ToHaveTextAsync("LIVE", new() { Timeout = 20_000 });
            await Assertions.Expect(row.GetByTestId("resolution")).ToHaveTextAsync(new Regex("^320[×x]240$"), new() { Timeout = 20_000 });
            await Assertions.Expect(row.GetByTestId("bitrate")).ToHaveTextAsync(new Regex("[1-9][0-9]* (kb|Mb)/s"), new() { Timeout = 20_000 });
            await Assertions.Expect(row.GetByTestId("audio")).ToContainTextAsync("Aac", new() { IgnoreCase = true });
            await Assertions.Expect(row.GetByTestId("publisher")).ToContainTextAsync("127.0.0.1");
            await Assertions.Expect(row.GetByTestId("fps")).ToHaveTextAsync(new Regex("^2[4-6]"), new() { Timeout = 20_000 });
            Assert.DoesNotContain(key, await page.Locator("#streams").TextContentAsync() ?? "");

            // The inline preview plays (hls.js loaded on demand): currentTime advances.
            await row.GetByTestId("preview-button").ClickAsync();
            var video = row.GetByTestId("preview-video");
            await Assertions.Expect(row.GetByTestId("preview-status")).ToHaveTextAsync("Playing", new() { Timeout = 30_000 });
            var first = await video.EvaluateAsync<double>("v => v.currentTime");
            await video.EvaluateAsync($"v => new Promise((resolve, reject) => {{ const t = setTimeout(() => reject(new Error('currentTime stuck at ' + v.currentTime)), 15000); (function check() {{ if (v.currentTime > {first} + 2) {{ clearTimeout(t); resolve(); }} else setTimeout(check, 200); }})(); }})");
            Assert.Equal(320, await video.EvaluateAsync<int>("v => v.videoWidth"));

            // Viewers per protocol: the preview is an HLS viewer; RTMP and HTTP-FLV players join through the registry,
            // as their transports make them join.
            var live = await LiveStatsTests.WaitForLiveStreamAsync(fixture.Host, name);
            var players = fixture.Host.GetService<PlayerRegistry>();
            var viewers = row.GetByTestId("viewers");
            using (players.Join(live, PlaybackProtocol.Rtmp, "rtmp", "dashboard-rtmp", "127.0.0.1:40021"))
            using (players.Join(live, PlaybackProtocol.HttpFlv, "http", "dashboard-flv-1", "127.0.0.1:40022"))
            using (players.Join(live, PlaybackProtocol.HttpFlv, "http", "dashboard-flv-2", "127.0.0.1:40023"))
            {
                await Assertions.Expect(viewers).ToHaveTextAsync("HLS 1 · RTMP 1 · HTTP-FLV 2", new() { Timeout = 20_000 });
                await SaveScreenshotAsync(page);
            }
            await Assertions.Expect(viewers).ToHaveTextAsync("HLS 1 · RTMP 0 · HTTP-FLV 0", new() { Timeout = 10_000 });

            // Rotate, behind a confirmation: the new key is shown once in the same panel.
            await page.ClickAsync("#key-done");
            await Assertions.Expect(panel).ToBeHiddenAsync();
            Assert.Equal("", await page.TextContentAsync("#obs-key"));
            await row.GetByTestId("rotate-button").ClickAsync();
            await Assertions.Expect(page.Locator("#confirm-dialog")).ToBeVisibleAsync();
            await page.ClickAsync("#confirm-ok");
            await Assertions.Expect(panel).ToBeVisibleAsync();
            var newKey = (await page.TextContentAsync("#obs-key"))!.Trim();
            Assert.NotEqual(key, newKey);
            Assert.Equal($"{server}/{newKey}", (await page.TextContentAsync("#ffmpeg-url"))!.Trim());

            // The live publisher held the old key: the rotation disconnected it.
            await ffmpeg.WaitForExitAsync(new CancellationTokenSource(TimeSpan.FromSeconds(20)).Token);
            Assert.NotEqual(0, ffmpeg.ExitCode);
            await Assertions.Expect(row.GetByTestId("live-badge")).ToHaveTextAsync("Offline", new() { Timeout = 20_000 });
            await Assertions.Expect(row.GetByTestId("preview-status")).ToHaveTextAsync("The stream is not live.");

            var refused = await ExternalProcess.RunAsync(ExternalProcess.Require("ffmpeg", "ffmpeg"),
                ["-v", "error", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25", "-t", "5", "-c:v", "libx264", "-preset", "veryfast",
                 "-f", "flv", $"rtmp://127.0.0.1:{fixture.Host.RtmpPort}/live/{key}"], TimeSpan.FromSeconds(30));
            Assert.NotEqual(0, refused.ExitCode);
            Assert.Contains("Operation not permitted", refused.Output);
        }
        finally
        {
            if (!ffmpeg.HasExited)
            {
                ffmpeg.Kill(entireProcessTree: true);
            }
        }
    }

    [Fact]
    public async Task A_wrong_admin_key_shows_the_sign_in_error_and_keeps_nothing()
    {
        await using var browser = await Browser.LaunchAsync();
        var page = await browser.Instance.NewPageAsync();
        page.SetDefaultTimeout(StepTimeout);
        await page.GotoAsync(fixture.Host.HttpBase.ToString());

        await page.GetByLabel("Admin API key").FillAsync("not-the-admin-key");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();

        await Assertions.Expect(page.Locator("#signin-error")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("#signin-error")).ToContainTextAsync("refused (401)");
        await Assertions.Expect(page.Locator("#signin-error")).ToContainTextAsync("wrong admin API key");
        await Assertions.Expect(page.Locator("#dashboard")).ToBeHiddenAsync();
        Assert.Null(await page.EvaluateAsync<string?>("() => sessionStorage.getItem('streamhub.adminKey')"));

        // Viewers need no key: the sign-in page still leads to a stream's player page.
        await page.GetByLabel("Stream name").FillAsync("some-stream");
        await page.GetByRole(AriaRole.Button, new() { Name = "Watch" }).ClickAsync();
        // What is asserted is where the form leads, not that the player page finished loading (WatchPageTests do that);
        // in one CI run its load event, for a stream that is not live, did not come within the step's timeout.
        await page.WaitForURLAsync(new Uri(fixture.Host.HttpBase, "/watch/some-stream").ToString(),
            new() { WaitUntil = WaitUntilState.Commit });
    }

    [Fact]
    public async Task A_key_that_stops_working_sends_the_user_back_to_sign_in_and_sign_out_forgets_the_key()
    {
        await using var browser = await Browser.LaunchAsync();
        var page = await browser.Instance.NewPageAsync();
        page.SetDefaultTimeout(StepTimeout);
        await SignInAsync(page, StreamHubHost.AdminKey);

        await page.ClickAsync("#sign-out");
        await Assertions.Expect(page.Locator("#signin-form")).ToBeVisibleAsync();
        Assert.Null(await page.EvaluateAsync<string?>("() => sessionStorage.getItem('streamhub.adminKey')"));

        // A stored key the server refuses (e.g. changed on the server): the next poll answers 401.
        await SignInAsync(page, StreamHubHost.AdminKey);
        await page.EvaluateAsync("() => sessionStorage.setItem('streamhub.adminKey', 'a-key-changed-meanwhile')");
        await Assertions.Expect(page.Locator("#signin-error")).ToContainTextAsync("refused (401)", new() { Timeout = 10_000 });
        await Assertions.Expect(page.Locator("#dashboard")).ToBeHiddenAsync();
    }

    [Fact]
    public async Task The_create_form_checks_the_name_rule_and_shows_the_servers_409_next_to_the_field_and_delete_asks_first()
    {
        await using var browser = await Browser.LaunchAsync();
        var page = await browser.Instance.NewPageAsync();
        page.SetDefaultTimeout(StepTimeout);
        await SignInAsync(page, StreamHubHost.AdminKey);
        var requests = new List<string>();
        page.Request += (_, request) => { if (request.Method == "POST") lock (requests) { requests.Add(request.Url); } };

        await page.GetByLabel("Name", new() { Exact = true }).FillAsync("Not Valid!");
        await page.ClickAsync("#create-button");
        await Assertions.Expect(page.Locator("#name-error")).ToContainTextAsync("lowercase letters");
        await Assertions.Expect(page.Locator("#stream-name")).ToHaveAttributeAsync("aria-invalid", "true");
        lock (requests) { Assert.Empty(requests); }

        var name = UniqueNames.Stream("taken");
        using (var client = fixture.Host.CreateHttpClient())
        {
            (await client.PostAsync("/api/streams", JsonContent.Create(new { name }))).EnsureSuccessStatusCode();
        }
        await page.GetByLabel("Name", new() { Exact = true }).FillAsync(name);
        await page.ClickAsync("#create-button");
        await Assertions.Expect(page.Locator("#name-error")).ToContainTextAsync($"A stream named '{name}' exists");
        await Assertions.Expect(page.Locator("#key-panel")).ToBeHiddenAsync();

        // Delete asks first; cancelling keeps the stream.
        var row = StreamRow(page, name);
        await row.GetByTestId("delete-button").ClickAsync();
        await page.ClickAsync("#confirm-cancel");
        await Assertions.Expect(page.Locator("#confirm-dialog")).ToBeHiddenAsync();
        await Assertions.Expect(row).ToBeVisibleAsync();
        await row.GetByTestId("delete-button").ClickAsync();
        await page.ClickAsync("#confirm-ok");
        await Assertions.Expect(row).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task The_restream_part_adds_a_target_through_the_form_shows_its_state_toggles_it_off_and_deletes_it()
    {
        await using var browser = await Browser.LaunchAsync();
        var page = await browser.Instance.NewPageAsync();
        page.SetDefaultTimeout(StepTimeout);
        var (stream, streamKey) = await fixture.Host.CreateStreamAsync("restream");
        await SignInAsync(page, StreamHubHost.AdminKey);
        var row = StreamRow(page, stream);
        await row.GetByTestId("restream").Locator("summary").ClickAsync();
        var form = row.GetByTestId("target-form");
        await Assertions.Expect(row.GetByTestId("targets-empty")).ToBeVisibleAsync();

        // A bad URL is refused by the server, next to the URL field.
        const string Key = "dashboard-platform-key-7Hq2";
        await form.GetByLabel("Target name").FillAsync("youtube");
        await form.GetByLabel("Server URL").FillAsync("http://a.rtmp.youtube.com/live2");
        await form.GetByLabel("Stream key").FillAsync(Key);
        await form.GetByTestId("target-add").ClickAsync();
        await Assertions.Expect(form.Locator("[data-error='url']")).ToContainTextAsync("rtmp:// or rtmps://");

        // Fixed, it is added (to a port nothing listens on: without a pusher it stays idle, with one it retries).
        await form.GetByLabel("Server URL").FillAsync("rtmps://127.0.0.1:9/live2");
        await form.GetByLabel("Accept an untrusted certificate").CheckAsync();
        await form.GetByTestId("target-add").ClickAsync();
        var target = row.Locator("[data-testid='target-row'][data-target='youtube']");
        await Assertions.Expect(target).ToBeVisibleAsync();
        await Assertions.Expect(target.GetByTestId("target-host")).ToHaveTextAsync("127.0.0.1:9");
        await Assertions.Expect(target.GetByTestId("target-state")).ToHaveTextAsync(new Regex("^(idle|connecting|retrying|failed)$"));
        await Assertions.Expect(target.GetByTestId("target-enabled")).ToBeCheckedAsync();
        await Assertions.Expect(row.GetByTestId("restream-summary")).ToHaveTextAsync("(1 target)");
        await row.ScreenshotAsync(new() { Path = Path.Combine(AppContext.BaseDirectory, "dashboard-restream.png") });
        Assert.Equal("", await form.GetByLabel("Stream key").InputValueAsync());
        Assert.DoesNotContain(Key, await page.ContentAsync());
        using var client = fixture.Host.CreateHttpClient();
        var stored = await client.GetFromJsonAsync<System.Text.Json.JsonElement>($"/api/streams/{stream}/targets/youtube");
        Assert.True(stored.GetProperty("allowUntrustedCertificate").GetBoolean());
        Assert.Equal("rtmps://127.0.0.1:9/live2", stored.GetProperty("url").GetString());

        // Toggled off: disabled in the API, and the row says so after the next poll too.
        await target.GetByTestId("target-enabled").UncheckAsync();
        await Assertions.Expect(target.GetByTestId("target-state")).ToHaveTextAsync("disabled");
        Assert.False((await client.GetFromJsonAsync<System.Text.Json.JsonElement>($"/api/streams/{stream}/targets/youtube")).GetProperty("enabled").GetBoolean());
        await page.WaitForTimeoutAsync(2500);
        await Assertions.Expect(target.GetByTestId("target-enabled")).Not.ToBeCheckedAsync();

        // A target that accepts (a second stream of this same server) goes live once the stream is published.
        var (copy, copyKey) = await fixture.Host.CreateStreamAsync("restream-copy");
        await form.GetByLabel("Target name").FillAsync("mirror");
        await form.GetByLabel("Server URL").FillAsync($"rtmp://127.0.0.1:{fixture.Host.RtmpPort}/live");
        await form.GetByLabel("Stream key").FillAsync(copyKey);
        await form.GetByLabel("Accept an untrusted certificate").UncheckAsync();
        await form.GetByTestId("target-add").ClickAsync();
        var mirror = row.Locator("[data-testid='target-row'][data-target='mirror']");
        await Assertions.Expect(mirror).ToBeVisibleAsync();
        using (var publisher = StreamHub.Tests.EndToEnd.LiveStatsTests.StartLivePublish(fixture.Host.RtmpPort, streamKey, seconds: 60))
        {
            try
            {
                await Assertions.Expect(mirror.GetByTestId("target-state")).ToHaveTextAsync("live", new() { Timeout = 30_000 });
                Assert.True((await client.GetFromJsonAsync<System.Text.Json.JsonElement>($"/api/streams/{copy}")).GetProperty("isLive").GetBoolean());
            }
            finally
            {
                publisher.Kill(entireProcessTree: true);
            }
        }
        await mirror.GetByTestId("target-delete").ClickAsync();
        await page.ClickAsync("#confirm-ok");
        await Assertions.Expect(mirror).ToHaveCountAsync(0);

        // Delete asks first.
        await target.GetByTestId("target-delete").ClickAsync();
        await Assertions.Expect(page.Locator("#confirm-dialog")).ToContainTextAsync("Delete the target youtube");
        await page.ClickAsync("#confirm-ok");
        await Assertions.Expect(target).ToHaveCountAsync(0);
        await Assertions.Expect(row.GetByTestId("targets-empty")).ToBeVisibleAsync();
        Assert.Equal(0, (await client.GetFromJsonAsync<System.Text.Json.JsonElement>($"/api/streams/{stream}/targets")).GetArrayLength());
    }

    [Fact]
    public async Task At_phone_width_the_dashboard_has_no_horizontal_overflow_and_usable_buttons()
    {
        await using var browser = await Browser.LaunchAsync();
        var context = await browser.Instance.NewContextAsync(new() { ViewportSize = new() { Width = 375, Height = 740 }, IsMobile = true, HasTouch = true });
        var page = await context.NewPageAsync();
        page.SetDefaultTimeout(StepTimeout);

        await page.GotoAsync(fixture.Host.HttpBase.ToString());
        await AssertNoHorizontalOverflowAsync(page, "sign-in");
        await page.ScreenshotAsync(new() { Path = Path.Combine(AppContext.BaseDirectory, "dashboard-phone-sign-in.png") });

        await SignInAsync(page, StreamHubHost.AdminKey);
        var name = UniqueNames.Stream("phone") + "-with-a-rather-long-name-to-wrap";
        await page.FillAsync("#stream-name", name);
        await page.ClickAsync("#create-button");
        await Assertions.Expect(page.Locator("#key-panel")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("#ports [data-listener='RTMP']")).ToBeVisibleAsync();
        await AssertNoHorizontalOverflowAsync(page, "dashboard with the key panel");
        using (var client = fixture.Host.CreateHttpClient())
        {
            (await client.PostAsync($"/api/streams/{name}/targets", JsonContent.Create(new { name = "facebook-with-a-long-target-name",
                url = "rtmps://live-api-s.facebook.com:443/rtmp/", key = "FB-1234567890-0-AbCdEfGhIjKl" }))).EnsureSuccessStatusCode();
        }
        await StreamRow(page, name).GetByTestId("restream").Locator("summary").ClickAsync();
        await Assertions.Expect(StreamRow(page, name).Locator("[data-testid='target-row']")).ToBeVisibleAsync(new() { Timeout = 10_000 });
        await AssertNoHorizontalOverflowAsync(page, "dashboard with a stream's restream targets open");
        await page.ScreenshotAsync(new() { Path = Path.Combine(AppContext.BaseDirectory, "dashboard-phone.png"), FullPage = true });

        // The copy buttons put exactly what is shown on the clipboard.
        await context.GrantPermissionsAsync(["clipboard-read", "clipboard-write"]);
        await page.GetByRole(AriaRole.Button, new() { Name = "Copy full publish URL" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Copy full publish URL" })).ToHaveTextAsync("Copied");
        Assert.Equal((await page.TextContentAsync("#ffmpeg-url"))!.Trim(), await page.EvaluateAsync<string>("() => navigator.clipboard.readText()"));

        // Buttons stay big enough to tap.
        foreach (var id in new[] { "#create-button", "#key-done", "#sign-out" })
        {
            var box = (await page.Locator(id).BoundingBoxAsync())!;
            Assert.True(box.Height >= 32, $"{id} is {box.Height}px high");
        }
    }

    private static async Task AssertNoHorizontalOverflowAsync(IPage page, string where)
    {
        var (scrollWidth, innerWidth) = (await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth"),
            await page.EvaluateAsync<int>("() => window.innerWidth"));
        Assert.True(scrollWidth <= innerWidth, $"{where}: the page is {scrollWidth}px wide in a {innerWidth}px viewport");
    }

    private async Task SignInAsync(IPage page, string adminKey)
    {
        if (!page.Url.StartsWith(fixture.Host.HttpBase.ToString(), StringComparison.Ordinal))
        {
            await page.GotoAsync(fixture.Host.HttpBase.ToString());
        }
        await page.GetByLabel("Admin API key").FillAsync(adminKey);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Assertions.Expect(page.Locator("#dashboard")).ToBeVisibleAsync();
    }

    private static ILocator StreamRow(IPage page, string name) => page.Locator($"[data-testid='stream-row'][data-stream='{name}']");

    /// <summary>A live publish in real time for longer than the test needs; the caller kills it in finally.</summary>
    private Process StartPublishing(string key) => Process.Start(new ProcessStartInfo(ExternalProcess.Require("ffmpeg", "ffmpeg"),
    [
        "-v", "error", "-re", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25", "-f", "lavfi", "-i", "sine", "-t", "90",
        "-c:v", "libx264", "-preset", "veryfast", "-g", "25", "-c:a", "aac", "-f", "flv",
        $"rtmp://127.0.0.1:{fixture.Host.RtmpPort}/live/{key}",
    ]) { UseShellExecute = false })!;

    /// <summary>Saved beside the test binary (bin/.../dashboard.png), where a failing run can be looked at too.</summary>
    private static async Task SaveScreenshotAsync(IPage page) =>
        await page.ScreenshotAsync(new() { Path = Path.Combine(AppContext.BaseDirectory, "dashboard.png"), FullPage = true });
}
