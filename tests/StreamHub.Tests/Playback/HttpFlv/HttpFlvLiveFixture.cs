using StreamHub.Live;
using StreamHub.Tests.Hls.Players;
using StreamHub.Tests.Infrastructure;

namespace StreamHub.Tests.Playback.HttpFlv;

/// <summary>One StreamHub with one stream that ffmpeg publishes live over RTMP (H.264 with a keyframe every 2 s, AAC)
/// for the whole test class. The GOP cache is kept from publish start (StreamHub:Live:GopCacheAlways), so every
/// player, the first included, starts at a keyframe at once.</summary>
public sealed class HttpFlvLiveFixture : IAsyncLifetime
{
    public const int GopFrames = 2 * LivePublisher.Fps;

    public StreamHubHost Host { get; private set; } = null!;
    public BackgroundProcess Publisher { get; private set; } = null!;
    public string Name { get; private set; } = null!;

    public string FlvUrl => new Uri(Host.HttpBase, $"/flv/{Name}.flv").ToString();

    public async Task InitializeAsync()
    {
        Host = StreamHubHost.Start(new Dictionary<string, string?> { ["StreamHub:Live:GopCacheAlways"] = "true" });
        (Name, var key) = await Host.CreateStreamAsync("flv");
        Publisher = LivePublisher.Start("HTTP-FLV publisher", $"rtmp://127.0.0.1:{Host.RtmpPort}/live/{key}", GopFrames);
        await WaitUntilLiveAsync(Host, Name, Publisher);
    }

    /// <summary>Waits (bounded) until <paramref name="name"/> is live with both sequence headers and a second of frames.</summary>
    public static async Task<LiveStream> WaitUntilLiveAsync(StreamHubHost host, string name, BackgroundProcess publisher)
    {
        var registry = host.GetService<LiveStreamRegistry>();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            publisher.AssertRunning();
            if (registry.Find(name) is { VideoSequenceHeader: not null, AudioSequenceHeader: not null, VideoFrames: > LivePublisher.Fps } stream)
            {
                return stream;
            }
            await Task.Delay(100);
        }
        Assert.Fail($"'{name}' did not go live within 30 s:\n{publisher.Output}");
        return null!;
    }

    public async Task DisposeAsync()
    {
        if (Publisher is not null)
        {
            await Publisher.DisposeAsync();
        }
        if (Host is not null)
        {
            await Host.DisposeAsync();
        }
    }
}
