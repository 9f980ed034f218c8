using Microsoft.Extensions.Options;
using StreamHub.Live;
using StreamHub.Media;
using StreamHub.Tests.Hls.Support;

namespace StreamHub.Tests.Live;

/// <summary>When a waiting reader is woken: audio of a stream with video waits (up to
/// <see cref="LiveOptions.SubscriberAudioHoldMilliseconds"/> of media time) for the next video frame, held by the
/// stream and then queued with it, so a player writes both at once; everything else wakes it at once. Frames are written on the test's thread (the publisher's).</summary>
public sealed class LiveSubscriptionWakeTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);

    private static LiveStream Begin(LiveOptions options)
    {
        var registry = new LiveStreamRegistry([], TimeProvider.System, liveOptions: Options.Create(options));
        Assert.True(registry.TryBeginPublish("wake", new PublisherInfo("c1", "127.0.0.1:1", "enc"), out var stream));
        return stream;
    }

    private static void Publish(LiveStream stream, MediaFrame frame)
    {
        stream.Write(frame);
        frame.Release();
    }

    private static List<MediaFrame> Drain(LiveSubscription subscription)
    {
        var frames = new List<MediaFrame>();
        while (subscription.TryRead(out var item))
        {
            if (item.Frame is { } frame)
            {
                frames.Add(frame);
                frame.Release();
            }
        }
        return frames;
    }

    /// <summary>A subscriber of a stream with video and audio, primed and drained up to a keyframe at 0 ms, and
    /// waiting.</summary>
    private static (LiveStream Stream, LiveSubscription Subscription) Waiting(LiveOptions options)
    {
        var stream = Begin(options);
        var subscription = stream.Subscribe(new SubscriptionOptions("player"));
        Publish(stream, SyntheticFrames.VideoConfig());
        Publish(stream, SyntheticFrames.AudioConfig());
        Publish(stream, SyntheticFrames.Video(0, idr: true));
        Drain(subscription);
        return (stream, subscription);
    }

    [Fact]
    public async Task Audio_of_a_stream_with_video_waits_for_the_next_video_frame_and_both_are_read_together()
    {
        var (stream, subscription) = Waiting(new LiveOptions());
        var wait = subscription.WaitToReadAsync();
        var wakeUps = subscription.WakeUps;

        Publish(stream, SyntheticFrames.Audio(10));
        Publish(stream, SyntheticFrames.Audio(33));
        Assert.Equal(wakeUps, subscription.WakeUps);
        // Held by the stream, not yet in the subscriber's queue: the publisher visits each subscriber once for them
        // and the video frame they wait for.
        Assert.Equal(0, subscription.QueuedItems);

        Publish(stream, SyntheticFrames.Video(40, idr: false));
        Assert.Equal(wakeUps + 1, subscription.WakeUps);
        Assert.Equal(3, subscription.QueuedItems);
        Assert.True(await wait.AsTask().WaitAsync(Bound));
        Assert.Equal([MediaKind.Audio, MediaKind.Audio, MediaKind.Video], Drain(subscription).Select(f => f.Kind));
        subscription.Dispose();
    }

    [Fact]
    public async Task Audio_wakes_the_reader_itself_once_it_has_waited_the_hold_in_media_time()
    {
        // Video stops; audio goes on every 23 ms. The first held frame is at 10 ms: the one at 10 + 50 ms or later
        // wakes the reader.
        var (stream, subscription) = Waiting(new LiveOptions { SubscriberAudioHoldMilliseconds = 50 });
        var wait = subscription.WaitToReadAsync();
        var wakeUps = subscription.WakeUps;
        Publish(stream, SyntheticFrames.Audio(10));
        Publish(stream, SyntheticFrames.Audio(33));
        Publish(stream, SyntheticFrames.Audio(56));
        Assert.Equal(wakeUps, subscription.WakeUps);

        Publish(stream, SyntheticFrames.Audio(79));
        Assert.Equal(wakeUps + 1, subscription.WakeUps);
        Assert.True(await wait.AsTask().WaitAsync(Bound));
        Assert.Equal([10L, 33, 56, 79], Drain(subscription).Select(f => f.Dts));

        // The hold starts again after a wake-up.
        wait = subscription.WaitToReadAsync();
        Publish(stream, SyntheticFrames.Audio(102));
        Assert.Equal(wakeUps + 1, subscription.WakeUps);
        Publish(stream, SyntheticFrames.Audio(152));
        Assert.Equal(wakeUps + 2, subscription.WakeUps);
        Assert.True(await wait.AsTask().WaitAsync(Bound));
        Drain(subscription);
        subscription.Dispose();
    }

    [Fact]
    public async Task With_no_hold_every_audio_frame_wakes_the_reader()
    {
        var (stream, subscription) = Waiting(new LiveOptions { SubscriberAudioHoldMilliseconds = 0 });
        var wait = subscription.WaitToReadAsync();
        var wakeUps = subscription.WakeUps;
        Publish(stream, SyntheticFrames.Audio(10));
        Assert.Equal(wakeUps + 1, subscription.WakeUps);
        Assert.True(await wait.AsTask().WaitAsync(Bound));
        Assert.Single(Drain(subscription));
        subscription.Dispose();
    }

    [Fact]
    public async Task Audio_of_a_stream_without_video_wakes_the_reader_at_once()
    {
        var stream = Begin(new LiveOptions());
        var subscription = stream.Subscribe(new SubscriptionOptions("listener"));
        Publish(stream, SyntheticFrames.AudioConfig());
        Publish(stream, SyntheticFrames.Audio(0));
        Drain(subscription);

        var wait = subscription.WaitToReadAsync();
        var wakeUps = subscription.WakeUps;
        Publish(stream, SyntheticFrames.Audio(23));
        Assert.Equal(wakeUps + 1, subscription.WakeUps);
        Assert.True(await wait.AsTask().WaitAsync(Bound));
        Assert.Single(Drain(subscription));
        subscription.Dispose();
    }

    [Fact]
    public void A_subscriber_that_joins_while_audio_is_held_gets_that_audio_once_from_the_GOP_cache()
    {
        var (stream, first) = Waiting(new LiveOptions());
        Publish(stream, SyntheticFrames.Audio(10));
        var joiner = stream.Subscribe(new SubscriptionOptions("joiner"));
        Publish(stream, SyntheticFrames.Audio(33));
        Publish(stream, SyntheticFrames.Video(40, idr: false));

        static List<long> Coded(List<MediaFrame> frames) =>
            frames.Where(f => f.FrameKind == MediaFrameKind.Coded).Select(f => f.Dts).ToList();
        Assert.Equal([10L, 33, 40], Coded(Drain(first)));
        // Primed with the GOP (the keyframe at 0 and the audio held since), then the video frame: each frame once.
        Assert.Equal([0L, 10, 33, 40], Coded(Drain(joiner)));
        first.Dispose();
        joiner.Dispose();
    }

    [Fact]
    public async Task Held_audio_is_read_when_the_publish_ends()
    {
        var registry = new LiveStreamRegistry([], TimeProvider.System, liveOptions: Options.Create(new LiveOptions()));
        Assert.True(registry.TryBeginPublish("ends", new PublisherInfo("c2", "127.0.0.1:2", "enc"), out var stream));
        var subscription = stream.Subscribe(new SubscriptionOptions("player"));
        Publish(stream, SyntheticFrames.VideoConfig());
        Publish(stream, SyntheticFrames.AudioConfig());
        Publish(stream, SyntheticFrames.Video(0, idr: true));
        Drain(subscription);
        var wait = subscription.WaitToReadAsync();
        var wakeUps = subscription.WakeUps;
        Publish(stream, SyntheticFrames.Audio(10));
        Assert.Equal(wakeUps, subscription.WakeUps);

        registry.EndPublish(stream);
        Assert.True(await wait.AsTask().WaitAsync(Bound));
        Assert.Equal([10L], Drain(subscription).Select(f => f.Dts));
        Assert.False(await subscription.WaitToReadAsync().AsTask().WaitAsync(Bound));
        subscription.Dispose();
    }
    [Fact]
    public async Task The_readers_one_frame_wakes_are_resumed_by_no_more_work_items_than_there_are_cores()
    {
        var stream = Begin(new LiveOptions());
        var subscriptions = Enumerable.Range(0, 64).Select(i => stream.Subscribe(new SubscriptionOptions($"player-{i}"))).ToList();
        Publish(stream, SyntheticFrames.VideoConfig());
        Publish(stream, SyntheticFrames.Video(0, idr: true));
        Publish(stream, SyntheticFrames.Video(33, idr: false));
        subscriptions.ForEach(s => Drain(s));

        var waits = subscriptions.Select(s => s.WaitToReadAsync().AsTask()).ToList();
        Assert.All(waits, wait => Assert.False(wait.IsCompleted));
        var workItems = stream.Wakes.WorkItems;
        Publish(stream, SyntheticFrames.Video(66, idr: false));

        var queued = stream.Wakes.WorkItems - workItems;
        Assert.InRange(queued, 1, Environment.ProcessorCount);
        Assert.All(await Task.WhenAll(waits).WaitAsync(Bound), Assert.True);
        Assert.All(subscriptions, s => Assert.Equal([66L], Drain(s).Select(f => f.Dts)));

        // Woken again by the next frame: a batch is handed back and used again.
        waits = subscriptions.Select(s => s.WaitToReadAsync().AsTask()).ToList();
        Publish(stream, SyntheticFrames.Video(100, idr: false));
        Assert.All(await Task.WhenAll(waits).WaitAsync(Bound), Assert.True);
        Assert.All(subscriptions, s => Assert.Equal([100L], Drain(s).Select(f => f.Dts)));
        subscriptions.ForEach(s => s.Dispose());
    }
}
