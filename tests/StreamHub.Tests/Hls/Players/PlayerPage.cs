using System.Collections.Concurrent;
using Microsoft.Playwright;
using StreamHub.Tests.Infrastructure;

namespace StreamHub.Tests.Hls.Players;

/// <summary>One viewer: a fresh Chromium context (nothing cached, a cold join) with one page that loads one player
/// and plays one HLS URL. The page and the player's library are fulfilled from disk by Playwright (the npm packages
/// .ci/run installs beside this file) under a made-up path of the HLS server's own origin, so no web server is needed
/// for them, and Chromium's private-network rules (a page from elsewhere may not read from 127.0.0.1) do not apply;
/// the HLS itself comes from the server under test over the network.
/// The page records in <c>window.harness</c> whether playback started, the player's position, and its errors: every
/// error event, and the failures among them (hls.js: fatal errors and bufferAppendError; Shaka Player: any 'error'
/// event; video.js: 'error' on the player; any player: an error on the media element, an unhandled rejection).</summary>
public sealed class PlayerPage : IAsyncDisposable
{
    /// <summary>Where the test pages appear on the HLS server's origin; the server never sees these requests.</summary>
    private const string PagesPath = "/test-players";
    private const string PackagesFolder = "tests/StreamHub.Tests/Hls/Players";

    private static readonly ConcurrentDictionary<string, byte[]> Files = new();

    private readonly IBrowserContext _context;
    private readonly ConcurrentQueue<string> _console = new();

    private PlayerPage(HlsPlayer player, IBrowserContext context, IPage page)
    {
        Player = player;
        _context = context;
        Page = page;
        page.Console += (_, message) =>
        {
            if (message.Type is "error" or "warning")
            {
                _console.Enqueue($"{message.Type}: {message.Text}");
            }
        };
    }

    public HlsPlayer Player { get; }
    public IPage Page { get; }

    /// <summary>Console errors and warnings, for failure messages.</summary>
    public string Console => string.Join('\n', _console.TakeLast(15));

    /// <summary>The folder the player packages are installed in; fails with what to run when it is missing.</summary>
    public static string NodeModules()
    {
        var folder = RepositoryRoot.Combine(PackagesFolder, "node_modules");
        foreach (var file in new[] { "hls.js/dist/hls.min.js", "shaka-player/dist/shaka-player.compiled.js", "video.js/dist/video.min.js" })
        {
            if (!File.Exists(Path.Combine(folder, file)))
            {
                Assert.Fail($"{Path.Combine(folder, file)} is missing: run npm ci in {PackagesFolder} (.ci/run does).");
            }
        }
        return folder;
    }

    /// <param name="catchUp">hls.js only: let it play up to 1.5× fast while it is further behind the live edge than its
    /// target (<c>maxLiveSyncPlaybackRate</c>), so its latency settles at the target wherever in a segment it started,
    /// and jump back to live when it is more than 2 s behind it with the media there buffered.</param>
    /// <param name="lowLatency">hls.js only: low-latency mode (hls.js's default) on or off.</param>
    public static async Task<PlayerPage> OpenAsync(IBrowser browser, HlsPlayer player, Uri playlist, bool catchUp = false, bool lowLatency = true)
    {
        var nodeModules = NodeModules();
        // A test server's HTTPS certificate is self-signed.
        var context = await browser.NewContextAsync(new() { ViewportSize = new() { Width = 640, Height = 360 }, IgnoreHTTPSErrors = true });
        try
        {
            var pages = new Uri(playlist, PagesPath + "/");
            await context.RouteAsync($"{pages}**", route => FulfilAsync(route, nodeModules));
            var page = await context.NewPageAsync();
            var opened = new PlayerPage(player, context, page);
            page.SetDefaultTimeout(60_000);
            await page.GotoAsync($"{pages}{player}.html?src={Uri.EscapeDataString(playlist.ToString())}{(catchUp ? "&catchUp=1" : "")}{(lowLatency ? "" : "&lowLatency=0")}");
            return opened;
        }
        catch
        {
            await context.DisposeAsync();
            throw;
        }
    }

    /// <summary>Waits until the media element plays, or the player reports a failure, or the timeout; returns the
    /// failures (empty when it plays).</summary>
    public async Task<IReadOnlyList<string>> WaitUntilPlayingAsync(TimeSpan timeout)
    {
        try
        {
            await Page.WaitForFunctionAsync("() => window.harness && (window.harness.started || window.harness.failures.length > 0)",
                null, new() { Timeout = (float)timeout.TotalMilliseconds, PollingInterval = 100 });
        }
        catch (TimeoutException)
        {
            var errors = await ErrorsAsync();
            return [$"did not start playing within {timeout.TotalSeconds:0} s ({await StateAsync()})" +
                (errors.Count > 0 ? $"; errors: {string.Join("; ", errors)}" : "")];
        }
        return await FailuresAsync();
    }

    /// <summary>The player's position (seconds) and the page's clock (ms), read together.</summary>
    public async Task<(double Position, double Clock)> PositionAsync()
    {
        var values = await Page.EvaluateAsync<double[]>("() => [window.harness.time(), performance.now()]");
        return (values[0], values[1]);
    }

    /// <summary>hls.js's own estimate of how far behind the live edge it plays (<c>hls.latency</c>, seconds).</summary>
    public async Task<double> LatencyAsync() => await Page.EvaluateAsync<double>("() => window.harness.latency()");

    /// <summary>How far the position is behind the end of what the player has buffered, seconds: with a live stream,
    /// how far behind the newest media it has received it plays.</summary>
    public async Task<double> BehindBufferedAsync() => await Page.EvaluateAsync<double>("() => window.harness.behindBuffered()");

    /// <summary>hls.js only: the wall clock minus the PROGRAM-DATE-TIME of the frame on screen (<c>hls.playingDate</c>),
    /// seconds: how long after the server received a frame it is shown.</summary>
    public async Task<double> ArrivalLatencyAsync() => await Page.EvaluateAsync<double>("() => window.harness.arrival()");

    /// <summary>'waiting' events of the media element so far (each one a stall, or the wait before the first frame).</summary>
    public async Task<int> WaitingEventsAsync() => await Page.EvaluateAsync<int>("() => window.harness.waiting()");

    /// <summary>The HTTP version of the page's requests to the HLS server (<c>h2</c>, <c>http/1.1</c>), as the browser
    /// reports them.</summary>
    public async Task<string[]> HlsProtocolsAsync() => await Page.EvaluateAsync<string[]>(
        "() => [...new Set(performance.getEntriesByType('resource').filter(e => e.name.includes('/hls/') && e.nextHopProtocol).map(e => e.nextHopProtocol))]");

    /// <summary>The URLs the page fetched from the HLS server so far.</summary>
    public async Task<string[]> HlsRequestsAsync() => await Page.EvaluateAsync<string[]>(
        "() => performance.getEntriesByType('resource').map(e => e.name).filter(n => n.includes('/hls/'))");

    /// <summary>The media element's state, for failure messages: position, ready state, buffered ranges, stalls.</summary>
    public async Task<string> StateAsync() => await Page.EvaluateAsync<string>("() => window.harness.state()");

    public async Task<IReadOnlyList<string>> FailuresAsync() => await Page.EvaluateAsync<string[]>("() => window.harness.failures.slice()");

    public async Task<IReadOnlyList<string>> ErrorsAsync() => await Page.EvaluateAsync<string[]>("() => window.harness.errors.slice()");

    public async ValueTask DisposeAsync() => await _context.DisposeAsync();

    private static async Task FulfilAsync(IRoute route, string nodeModules)
    {
        var path = new Uri(route.Request.Url).AbsolutePath[(PagesPath.Length + 1)..];
        if (path.EndsWith(".html", StringComparison.Ordinal) && Enum.TryParse<HlsPlayer>(path[..^5], out var player))
        {
            await route.FulfillAsync(new() { Status = 200, ContentType = "text/html; charset=utf-8", Body = Html(player) });
            return;
        }
        var file = Path.GetFullPath(Path.Combine(nodeModules, path));
        if (!file.StartsWith(nodeModules, StringComparison.Ordinal) || !File.Exists(file))
        {
            await route.FulfillAsync(new() { Status = 404, Body = "not found" });
            return;
        }
        var bytes = Files.GetOrAdd(file, File.ReadAllBytes);
        await route.FulfillAsync(new() { Status = 200, ContentType = "text/javascript", BodyBytes = bytes });
    }

    private static string Html(HlsPlayer player)
    {
        var (library, start) = player switch
        {
            HlsPlayer.HlsJs => ("hls.js/dist/hls.min.js", """
                const query = new URLSearchParams(location.search);
                const hls = new Hls({
                  lowLatencyMode: query.get('lowLatency') !== '0',
                  ...(query.has('catchUp') ? { maxLiveSyncPlaybackRate: 1.5 } : {}),
                });
                hls.on(Hls.Events.ERROR, (_, d) => {
                  const text = `hls.js ${d.type} ${d.details}${d.fatal ? ' (fatal)' : ''}${d.error ? ': ' + d.error.message : ''}`;
                  harness.errors.push(text);
                  if (d.fatal || d.details === Hls.ErrorDetails.BUFFER_APPEND_ERROR) fail(text);
                });
                harness.latency = () => hls.latency;
                if (query.has('catchUp')) {
                  // hls.js plays fast only within a target duration of its target latency; a page starved of CPU for
                  // a moment can fall further behind than that and stays there, taken for DVR playback. A low-latency
                  // page goes back to live then, as this one does (counted in the state).
                  setInterval(() => {
                    const live = hls.liveSyncPosition;
                    if (live && !video.paused && video.currentTime < live - 2 && video.buffered.length && video.buffered.end(video.buffered.length - 1) > live) {
                      video.currentTime = live;
                      harness.backToLive++;
                    }
                  }, 1000);
                }
                // Arrival to display: the playlist's PROGRAM-DATE-TIME is the server's clock when the frame arrived.
                harness.arrival = () => hls.playingDate ? (Date.now() - hls.playingDate.getTime()) / 1000 : NaN;
                hls.loadSource(src);
                hls.attachMedia(video);
                """),
            HlsPlayer.Shaka => ("shaka-player/dist/shaka-player.compiled.js", """
                const describe = e => {
                  let data = '';
                  try { data = JSON.stringify(e.data).slice(0, 300); } catch { }
                  return `Shaka Player error ${e.code} (category ${e.category}, severity ${e.severity}) ${data}`;
                };
                shaka.polyfill.installAll();
                if (!shaka.Player.isBrowserSupported()) fail('Shaka Player: browser not supported');
                const player = new shaka.Player();
                player.addEventListener('error', e => { harness.errors.push(describe(e.detail)); fail(describe(e.detail)); });
                player.attach(video)
                  .then(() => player.load(src, null, 'application/x-mpegurl'))
                  .catch(e => fail('load: ' + describe(e)));
                """),
            HlsPlayer.VideoJs => ("video.js/dist/video.min.js", """
                const player = videojs(video, { autoplay: true, preload: 'auto' });
                player.on('error', () => {
                  const e = player.error();
                  const text = `video.js error ${e ? e.code + ': ' + e.message : ''}`;
                  harness.errors.push(text);
                  fail(text);
                });
                player.on('playing', () => { harness.started = true; });
                harness.time = () => player.currentTime();
                player.src({ src, type: 'application/x-mpegURL' });
                """),
            _ => throw new ArgumentOutOfRangeException(nameof(player)),
        };
        return $$"""
            <!doctype html>
            <html>
            <head><meta charset="utf-8"><title>{{player}}</title></head>
            <body>
            <video id="video" autoplay playsinline width="320" height="180"></video>
            <script src="{{library}}"></script>
            <script>
            const src = new URLSearchParams(location.search).get('src');
            const video = document.getElementById('video');
            const harness = window.harness = { started: false, errors: [], failures: [], time: () => video.currentTime, latency: () => NaN, backToLive: 0 };
            const fail = text => { if (!harness.failures.includes(text)) harness.failures.push(text); };
            let waiting = 0;
            harness.state = () => {
              const ranges = [];
              for (let i = 0; i < video.buffered.length; i++) ranges.push(`${video.buffered.start(i).toFixed(2)}-${video.buffered.end(i).toFixed(2)}`);
              return `currentTime ${video.currentTime.toFixed(2)}, readyState ${video.readyState}, paused ${video.paused}, ` +
                `buffered [${ranges.join(', ')}], ${waiting} 'waiting' events, ${harness.backToLive} jumps back to live`;
            };
            video.addEventListener('waiting', () => { waiting++; });
            harness.waiting = () => waiting;
            harness.behindBuffered = () => video.buffered.length ? video.buffered.end(video.buffered.length - 1) - video.currentTime : NaN;
            video.addEventListener('playing', () => { harness.started = true; });
            video.addEventListener('error', () => fail('media element error ' + (video.error ? video.error.code + ': ' + video.error.message : '')));
            window.addEventListener('unhandledrejection', e => fail('unhandled rejection: ' + (e.reason && e.reason.message || e.reason)));
            {{start}}
            </script>
            </body>
            </html>
            """;
    }
}
