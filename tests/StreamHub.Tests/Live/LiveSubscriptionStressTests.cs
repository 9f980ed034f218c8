using Microsoft.Extensions.Options;
using StreamHub.Live;
using StreamHub.Media;
using StreamHub.Tests.Hls.Support;

namespace StreamHub.Tests.Live;

/// <summary>Subscribe and unsubscribe racing the publisher on a real second thread: every subscription gets the
/// headers, then a GOP that starts at a keyframe, then consecutive frames (none lost, none twice) until it leaves or
/// the publish ends, and every frame is released in the end.</summary>
public sealed class LiveSubscriptionStressTests
{
    private const int Frames = 30_000;

    [Fact]
    public async Task Subscriptions_racing_the_publisher_thread_never_lose_duplicate_or_leak_a_frame()
    {
        // Queues large enough that nobody drops: any gap would be a lost frame.
        var options = new LiveOptions { SubscriberQueueMaxFrames = 65_536, SubscriberQueueMaxSeconds = 120, SubscriberMaxBehindSeconds = 600 };
        var registry = new LiveStreamRegistry([], TimeProvider.System, liveOptions: Options.Create(options));
        Assert.True(registry.TryBeginPublish("stress", new PublisherInfo("c1", "127.0.0.1:1", null), out var stream));
        var frames = new MediaFrame[Frames];
        var headers = new[] { SyntheticFrames.VideoConfig(), SyntheticFrames.AudioConfig() };
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var full = stream.Subscribe(new SubscriptionOptions("full"));

        var publisher = new Thread(() =>
        {
            foreach (var header in headers)
            {
                stream.Write(header);
                header.Release();
            }
            for (var i = 0; i < Frames; i++)
            {
                // dts = index + 1: video on even indexes (a keyframe every 50), audio on odd ones.
                var frame = i % 2 == 0
                    ? MediaFrame.Create(new byte[100], MediaKind.Video, MediaFrameKind.Coded, i + 1, isKeyframe: i % 50 == 0, videoCodec: VideoCodec.H264)
                    : MediaFrame.Create(new byte[100], MediaKind.Audio, MediaFrameKind.Coded, i + 1, audioCodec: AudioCodec.Aac);
                frames[i] = frame;
                stream.Write(frame);
                frame.Release();
                if (i == 100)
                {
                    started.SetResult();
                }
                if (i % 20 == 0)
                {
                    // Paced (about 1.5 s in all), so the subscribers come and go all through the publish.
                    Thread.Sleep(1);
                }
            }
            registry.EndPublish(stream);
        }) { Name = "publisher" };
        publisher.Start();

        var fullReader = Task.Run(async () =>
        {
            var result = await ReadAsync(full, int.MaxValue);
            Assert.Equal(Frames, result.Coded);
            Assert.Equal(1, result.FirstDts);
            Assert.Equal(SubscriptionEnd.PublishEnded, full.End);
            full.Dispose();
        });
        await started.Task;
        var churners = Enumerable.Range(0, 3).Select(seed => Task.Run(async () =>
        {
            var random = new Random(seed);
            var subscriptions = 0;
            while (publisher.IsAlive)
            {
                var subscription = stream.Subscribe(new SubscriptionOptions($"churn-{seed}"));
                subscriptions++;
                var wanted = random.Next(4) == 0 ? 0 : random.Next(1, 600);
                if (wanted > 0)
                {
                    var result = await ReadAsync(subscription, wanted);
                    if (result.Coded > 0)
                    {
                        Assert.True(result.FirstWasKeyframe, $"subscription {subscriptions} of churner {seed} began at dts {result.FirstDts}, not a keyframe");
                    }
                }
                subscription.Dispose();
            }
            return subscriptions;
        })).ToArray();

        await fullReader.WaitAsync(TimeSpan.FromMinutes(2));
        var counts = await Task.WhenAll(churners).WaitAsync(TimeSpan.FromMinutes(2));
        publisher.Join();

        Assert.All(counts, count => Assert.True(count > 10, $"only {count} subscriptions"));
        Assert.Equal(0, stream.SubscriberCount);
        Assert.All(frames, frame => Assert.Equal(0, frame.Payload.Length));
        Assert.All(headers, frame => Assert.Equal(0, frame.Payload.Length));
    }

    private readonly record struct ReadResult(int Coded, long FirstDts, bool FirstWasKeyframe);

    /// <summary>Reads up to <paramref name="wanted"/> coded frames, asserting the headers come first and the coded
    /// frames are consecutive.</summary>
    private static async Task<ReadResult> ReadAsync(LiveSubscription subscription, int wanted)
    {
        var coded = 0;
        var headers = 0;
        long firstDts = 0;
        long lastDts = 0;
        var firstWasKeyframe = false;
        while (coded < wanted && await subscription.WaitToReadAsync())
        {
            while (coded < wanted && subscription.TryRead(out var item))
            {
                var frame = item.Frame!;
                if (frame.FrameKind == MediaFrameKind.SequenceHeader)
                {
                    Assert.Equal(0, coded);
                    headers++;
                }
                else
                {
                    Assert.Equal(2, headers);
                    if (coded == 0)
                    {
                        firstDts = frame.Dts;
                        firstWasKeyframe = frame.Kind == MediaKind.Video && frame.IsKeyframe;
                    }
                    else
                    {
                        Assert.Equal(lastDts + 1, frame.Dts);
                    }
                    lastDts = frame.Dts;
                    coded++;
                }
                frame.Release();
            }
        }
        return new ReadResult(coded, firstDts, firstWasKeyframe);
    }
}
