using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using StreamHub.Tests.Infrastructure;

namespace StreamHub.Tests.Rtmp.Playback;

/// <summary>One StreamHub process (real sockets, its log captured) and one ffmpeg publisher live on it for the whole
/// collection: 320x240 at 30 fps with B-frames (<c>-bf 2</c>), a keyframe a second, AAC 44.1 kHz. The playback tests
/// play this stream with real clients; tests that need a publisher to stop publish their own short clips.</summary>
public class PlaybackServerFixture : IAsyncLifetime
{
    public const string AdminKey = "playback-admin-key-0123456789";

    /// <summary>Address the <c>StreamHub:Access:Play</c> rule of this server denies (the tests connect from it on purpose).</summary>
    public const string DeniedPlayer = "127.0.0.2";

    public static readonly TimeSpan ClientLimit = TimeSpan.FromSeconds(30);

    private BackgroundProcess? _publisher;

    public StreamHubProcess Server { get; private set; } = null!;
    public string Name { get; private set; } = "";
    public string Key { get; private set; } = "";

    /// <summary>Settings beyond the defaults (a subclass shrinks the queues).</summary>
    protected virtual IDictionary<string, string?> ExtraSettings => new Dictionary<string, string?>
    {
        ["StreamHub__Access__Play__Deny__0"] = DeniedPlayer + "/32",
    };

    /// <summary>Whether the fixture's publisher sends a noisy picture (a few Mbit/s).</summary>
    protected virtual bool Noisy => false;

    public async Task InitializeAsync()
    {
        var settings = StreamHubProcess.DefaultSettings();
        settings["StreamHub__Admin__ApiKey"] = AdminKey;
        settings["StreamHub__Logging__MinimumLevel"] = "Information";
        settings["StreamHub__Limits__BadKeyAttempts"] = "1000";
        foreach (var (key, value) in ExtraSettings)
        {
            settings[key] = value;
        }
        Server = StreamHubProcess.Start(settings);
        await Server.WaitUntilReadyAsync();
        (Name, Key) = await CreateStreamAsync("play");
        PublishedFile = Path.Combine(Server.DataDirectory, "published.flv");
        // -bf 2 -g 30 at 30 fps: B-frames, a keyframe a second.
        // The tee muxer writes what ffmpeg publishes to a file as well: the reference the played packets are compared to.
        _publisher = BackgroundProcess.Start(Name + " publisher", ExternalProcess.Require("ffmpeg", "ffmpeg"),
            [.. PublishArguments(seconds: 150, Noisy)[..^2], "-flags", "+global_header", "-map", "0:v", "-map", "1:a",
                "-f", "tee", $"[f=flv]{PublishUrl(Key)}|[f=flv]{PublishedFile}"]);
        await WaitUntilLiveAsync(Name, _publisher);
    }

    public async Task DisposeAsync()
    {
        if (_publisher is not null)
        {
            await _publisher.DisposeAsync();
        }
        if (Server is not null)
        {
            await Server.DisposeAsync();
        }
    }

    public BackgroundProcess Publisher => _publisher!;

    /// <summary>The FLV the fixture's publisher writes beside what it publishes (same packets, same timestamps).</summary>
    public string PublishedFile { get; private set; } = "";

    public HttpClient Api()
    {
        var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{Server.HttpPort}/"), Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Add("X-Api-Key", AdminKey);
        return client;
    }

    public async Task<(string Name, string Key)> CreateStreamAsync(string prefix)
    {
        using var api = Api();
        var name = UniqueNames.Stream(prefix);
        var response = await api.PostAsJsonAsync("/api/streams", new { name });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        return (name, body.GetProperty("key").GetString()!);
    }

    public string PublishUrl(string key) => $"rtmp://127.0.0.1:{Server.RtmpPort}/live/{key}";

    /// <summary>The play URL of <paramref name="name"/> on the RTMP port (or another scheme and port).</summary>
    public string PlayUrl(string? name = null, string scheme = "rtmp", int? port = null) =>
        $"{scheme}://127.0.0.1:{port ?? Server.RtmpPort}/live/{name ?? Name}";

    /// <summary>An ffmpeg publisher in real time (-re) of <paramref name="seconds"/> of 30 fps video with B-frames and
    /// AAC audio.</summary>
    public static BackgroundProcess StartPublisher(string name, string url, int seconds, params string[] extra) =>
        BackgroundProcess.Start(name, ExternalProcess.Require("ffmpeg", "ffmpeg"), [.. PublishArguments(seconds)[..^2], .. extra, "-f", "flv", url]);

    /// <summary>The publisher's arguments, ending with "-f flv" (the URL follows).</summary>
    /// <param name="noisy">Noise over the picture: a few Mbit/s instead of a few hundred kbit/s.</param>
    public static string[] PublishArguments(int seconds, bool noisy = false) =>
    [
        "-hide_banner", "-loglevel", "error", "-nostdin", "-re",
        "-f", "lavfi", "-i", noisy ? "testsrc2=size=320x240:rate=30,noise=alls=40:allf=t" : "testsrc2=size=320x240:rate=30",
        "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100",
        "-t", seconds.ToString(), "-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency", "-bf", "2",
        "-x264-params", "rc-lookahead=0:sliced-threads=0:b-adapt=0", "-g", "30", "-threads", "1",
        "-c:a", "aac", "-b:a", "64k", "-f", "flv",
    ];

    /// <summary>Waits (bounded) until the API says <paramref name="name"/> is live.</summary>
    public async Task WaitUntilLiveAsync(string name, BackgroundProcess? publisher = null, TimeSpan? timeout = null)
    {
        using var api = Api();
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (!(await api.GetFromJsonAsync<JsonElement>($"/api/streams/{name}")).GetProperty("isLive").GetBoolean())
        {
            publisher?.AssertRunning();
            Assert.True(DateTime.UtcNow < deadline, $"{name} never went live:\n{publisher?.Output}\n{Server.Output}");
            await Task.Delay(100);
        }
    }

    /// <summary>Waits (bounded) until the server's log contains <paramref name="text"/>; returns the first such line.</summary>
    public async Task<string> WaitForLogLineAsync(string text, TimeSpan? timeout = null, string? alsoContaining = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(10));
        while (true)
        {
            var line = Server.Output.Split('\n').FirstOrDefault(l => l.Contains(text, StringComparison.Ordinal)
                && (alsoContaining is null || l.Contains(alsoContaining, StringComparison.Ordinal)));
            if (line is not null)
            {
                return line;
            }
            Assert.True(DateTime.UtcNow < deadline, $"The server never logged '{text}' ({alsoContaining}):\n{Server.Output}");
            await Task.Delay(50);
        }
    }
}
