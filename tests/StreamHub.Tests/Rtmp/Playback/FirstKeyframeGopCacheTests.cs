using System.Diagnostics;
using StreamHub.Rtmp.Commands;
using StreamHub.Tests.Infrastructure;
using Xunit.Abstractions;

namespace StreamHub.Tests.Rtmp.Playback;

/// <summary>The first keyframe within 500 ms of play, with the GOP cache kept from publish start
/// (<c>StreamHub:Live:GopCacheAlways=true</c>: even the stream's very first player starts from the cache) and with it
/// kept from the first subscriber only (false: the first player waits for the next keyframe, then every later one
/// starts from the cache). ffmpeg publishes a keyframe a second, so waiting for the next one instead would often take
/// longer than 500 ms.</summary>
public sealed class FirstKeyframeGopCacheTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Limit = TimeSpan.FromMilliseconds(500);

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Players_joining_mid_stream_get_their_first_keyframe_within_500_ms(bool gopCacheAlways)
    {
        await using var host = StreamHubHost.Start(new Dictionary<string, string?>
        {
            ["StreamHub:Live:GopCacheAlways"] = gopCacheAlways ? "true" : "false",
        });
        var (name, key) = await host.CreateStreamAsync("gop");
        await using var publisher = PlaybackServerFixture.StartPublisher(name + " publisher", $"rtmp://127.0.0.1:{host.RtmpPort}/live/{key}", 60);
        await WaitUntilLiveAsync(host, name, publisher);
        // Past the first keyframe, so a joiner is mid-GOP.
        await Task.Delay(1500);

        await using var watcher = gopCacheAlways ? null : await RtmpPlayClient.ConnectAsync(host.RtmpPort);
        if (watcher is not null)
        {
            // Without GopCacheAlways the cache starts with the first subscriber, who waits for the next keyframe.
            Assert.Equal(RtmpStatusCodes.PlayReset, await watcher.PlayAsync(name));
            Assert.NotNull(await watcher.ReadUntilAsync(RtmpPlayClient.IsCodedKeyframe, TimeSpan.FromSeconds(10)));
            await Task.Delay(300);
        }

        var delays = new List<double>();
        for (var i = 0; i < 3; i++)
        {
            await using var player = await RtmpPlayClient.ConnectAsync(host.RtmpPort);
            Assert.Equal(RtmpStatusCodes.PlayReset, await player.PlayAsync(name));
            var first = await player.ReadUntilAsync(RtmpPlayClient.IsCodedKeyframe, TimeSpan.FromSeconds(10));
            Assert.NotNull(first);
            delays.Add(Stopwatch.GetElapsedTime(player.PlaySentAt, first.Value.At).TotalMilliseconds);
            await Task.Delay(350);
        }
        output.WriteLine($"GopCacheAlways={gopCacheAlways}: play → first keyframe: {string.Join(", ", delays.Select(d => $"{d:F0} ms"))}");
        Assert.All(delays, d => Assert.True(d < Limit.TotalMilliseconds, $"first keyframe after {d:F0} ms"));
    }

    private static async Task WaitUntilLiveAsync(StreamHubHost host, string name, BackgroundProcess publisher)
    {
        var registry = host.GetService<StreamHub.Live.LiveStreamRegistry>();
        var deadline = Stopwatch.StartNew();
        while (registry.Find(name) is null)
        {
            publisher.AssertRunning();
            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(30), $"{name} never went live:\n{publisher.Output}");
            await Task.Delay(100);
        }
    }
}
