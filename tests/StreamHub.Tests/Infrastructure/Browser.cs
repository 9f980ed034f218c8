using Microsoft.Playwright;

namespace StreamHub.Tests.Infrastructure;

/// <summary>Headless Debian Chromium driven by Playwright for .NET (no browser download: the system's
/// /usr/bin/chromium, installed by .ci/run).</summary>
public sealed class Browser : IAsyncDisposable
{
    public const string ChromiumPath = "/usr/bin/chromium";

    private readonly IPlaywright _playwright;

    private Browser(IPlaywright playwright, IBrowser browser)
    {
        _playwright = playwright;
        Instance = browser;
    }

    public IBrowser Instance { get; }

    public static async Task<Browser> LaunchAsync()
    {
        if (!File.Exists(ChromiumPath))
        {
            throw new InvalidOperationException($"{ChromiumPath} is missing: install Debian's chromium package (bash .ci/run does).");
        }
        var playwright = await Playwright.CreateAsync();
        var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Timeout = 60_000,
            Args =
            [
                "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--autoplay-policy=no-user-gesture-required",
            ],
        });
        return new Browser(playwright, browser);
    }

    public async ValueTask DisposeAsync()
    {
        await Instance.DisposeAsync();
        _playwright.Dispose();
    }
}
