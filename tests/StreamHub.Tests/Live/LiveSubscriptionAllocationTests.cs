using Microsoft.Extensions.Options;
using StreamHub.Live;
using StreamHub.Media;
using StreamHub.Tests.Hls.Support;

namespace StreamHub.Tests.Live;

/// <summary>The publisher's path with subscribers in steady state (frames queued to each, read and released)
/// allocates nothing per frame.</summary>
public sealed class LiveSubscriptionAllocationTests
{
    [Fact]
    public void Writing_frames_to_three_subscribers_allocates_nothing_per_frame()
    {
        var registry = new LiveStreamRegistry([], TimeProvider.System, liveOptions: Options.Create(new LiveOptions()));
        Assert.True(registry.TryBeginPublish("alloc-subs", new PublisherInfo("c", "127.0.0.1:1", null), out var stream));
        var videoHeader = SyntheticFrames.VideoConfig();
        stream.Write(videoHeader);
        var subscriptions = Enumerable.Range(0, 3).Select(i => stream.Subscribe(new SubscriptionOptions($"s{i}"))).ToArray();
        // One GOP of 25 video frames and their audio, written again and again (the GOP cache and rings reach their
        // steady size during the warm-up).
        var gop = SyntheticFrames.Interleaved(0, 1000, 25).ToArray();

        void Run(int rounds)
        {
            for (var round = 0; round < rounds; round++)
            {
                foreach (var frame in gop)
                {
                    stream.Write(frame);
                    foreach (var subscription in subscriptions)
                    {
                        while (subscription.TryRead(out var item))
                        {
                            item.Frame?.Release();
                        }
                    }
                }
            }
        }

        Run(200);
        var before = GC.GetAllocatedBytesForCurrentThread();
        Run(1_000);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
        Assert.All(subscriptions, s => Assert.Equal(0, s.DroppedFrames));
        foreach (var subscription in subscriptions)
        {
            subscription.Dispose();
        }
        registry.EndPublish(stream);
        videoHeader.Release();
        foreach (var frame in gop)
        {
            frame.Release();
            Assert.Equal(0, frame.Payload.Length);
        }
    }
}
