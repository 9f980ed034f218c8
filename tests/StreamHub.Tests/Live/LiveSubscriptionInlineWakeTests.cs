using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using StreamHub.Live;
using StreamHub.Media;
using StreamHub.Tests.Hls.Support;

namespace StreamHub.Tests.Live;

/// <summary><see cref="SubscriptionOptions.WakesInline"/>: once a frame has been offered to every subscriber, the
/// publisher's thread runs the waiting readers' continuations itself, half of them when there are several and more
/// than one core (one thread-pool batch runs the other half): the RTMP socket players' way, a send per player and no
/// thread-pool hand-off each. The end of a subscription still wakes the reader through the thread pool. Frames are written on the test's thread
/// (the publisher's); the reader is a loop like a player's.</summary>
public sealed class LiveSubscriptionInlineWakeTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);

    private readonly LiveStreamRegistry _registry = new([], TimeProvider.System, liveOptions: Options.Create(new LiveOptions()));

    private static void Publish(LiveStream stream, MediaFrame frame)
    {
        stream.Write(frame);
        frame.Release();
    }

    /// <summary>Reads until the subscription ends, noting each coded frame's DTS and the thread that read it.</summary>
    private static async Task ReadAsync(LiveSubscription subscription, ConcurrentQueue<(long Dts, int Thread)> seen)
    {
        // No synchronisation context (xUnit has one), as for a player loop on the thread pool: else it, not the waker,
        // would choose where the reader runs.
        while (await subscription.WaitToReadAsync().ConfigureAwait(false))
        {
            while (subscription.TryRead(out var item))
            {
                if (item.Frame is { } frame)
                {
                    if (frame.FrameKind == MediaFrameKind.Coded)
                    {
                        seen.Enqueue((frame.Dts, Environment.CurrentManagedThreadId));
                    }
                    frame.Release();
                }
            }
        }
        subscription.Dispose();
    }

    /// <summary>A stream with video and a subscription, primed with the keyframe at 0 ms, whose reader waits.</summary>
    private (LiveStream Stream, LiveSubscription Subscription, Task Reader, ConcurrentQueue<(long Dts, int Thread)> Seen)
        Waiting(string name, bool inline)
    {
        Assert.True(_registry.TryBeginPublish(name, new PublisherInfo("c1", "127.0.0.1:1", "enc"), out var stream));
        var (subscriptions, readers, seen) = WaitingReaders(stream, 1, inline);
        return (stream, subscriptions[0], readers[0], seen[0]);
    }

    /// <summary><paramref name="count"/> subscriptions to <paramref name="stream"/>, primed with the keyframe at 0 ms,
    /// their readers waiting.</summary>
    private static (LiveSubscription[] Subscriptions, Task[] Readers, ConcurrentQueue<(long Dts, int Thread)>[] Seen)
        WaitingReaders(LiveStream stream, int count, bool inline)
    {
        var subscriptions = Enumerable.Range(0, count)
            .Select(i => stream.Subscribe(new SubscriptionOptions($"player {i}", WakesInline: inline))).ToArray();
        Publish(stream, SyntheticFrames.VideoConfig());
        Publish(stream, SyntheticFrames.Video(0, idr: true));
        var seen = subscriptions.Select(_ => new ConcurrentQueue<(long Dts, int Thread)>()).ToArray();
        // Started here, each loop reads what is queued and is waiting when this returns (nothing else feeds it).
        var readers = subscriptions.Select((subscription, i) => ReadAsync(subscription, seen[i])).ToArray();
        Assert.All(seen, s => Assert.Equal([0L], s.Select(x => x.Dts)));
        Assert.All(readers, r => Assert.False(r.IsCompleted));
        return (subscriptions, readers, seen);
    }

    [Fact]
    public async Task The_publishers_thread_runs_the_reader_before_its_write_returns()
    {
        var (stream, _, reader, seen) = Waiting("inline", inline: true);
        var publisherThread = Environment.CurrentManagedThreadId;

        Publish(stream, SyntheticFrames.Video(33, idr: false));
        // Read during the write, on this thread: no hand-off to the thread pool.
        Assert.Equal([(0L, publisherThread), (33L, publisherThread)], seen);

        Publish(stream, SyntheticFrames.Video(66, idr: false));
        Assert.Equal(66L, seen.Last().Dts);
        Assert.Equal(publisherThread, seen.Last().Thread);

        // The end comes through the thread pool, and the reader sees it.
        _registry.EndPublish(stream);
        await reader.WaitAsync(Bound);
        Assert.Equal([0L, 33, 66], seen.Select(s => s.Dts));
    }

    [Fact]
    public async Task Without_it_the_reader_runs_on_the_thread_pool()
    {
        var (stream, _, reader, seen) = Waiting("pooled", inline: false);
        var publisherThread = Environment.CurrentManagedThreadId;

        Publish(stream, SyntheticFrames.Video(33, idr: false));
        _registry.EndPublish(stream);
        await reader.WaitAsync(Bound);
        Assert.Equal([0L, 33], seen.Select(s => s.Dts));
        Assert.NotEqual(publisherThread, seen.Last().Thread);
    }

    [Fact]
    public async Task With_several_readers_the_publisher_runs_the_first_half_and_one_other_thread_the_rest()
    {
        Assert.True(_registry.TryBeginPublish("halves", new PublisherInfo("c1", "127.0.0.1:1", "enc"), out var stream));
        var (_, readers, seen) = WaitingReaders(stream, 4, inline: true);
        var publisherThread = Environment.CurrentManagedThreadId;

        Publish(stream, SyntheticFrames.Video(33, idr: false));
        // The first half was read during the write, on this thread.
        Assert.Equal((33L, publisherThread), seen[0].Last());
        Assert.Equal((33L, publisherThread), seen[1].Last());

        _registry.EndPublish(stream);
        await Task.WhenAll(readers).WaitAsync(Bound);
        Assert.All(seen, s => Assert.Equal([0L, 33], s.Select(x => x.Dts)));
        if (Environment.ProcessorCount > 1)
        {
            // The second half on one other thread, the batch's.
            Assert.NotEqual(publisherThread, seen[2].Last().Thread);
            Assert.Equal(seen[2].Last().Thread, seen[3].Last().Thread);
        }
    }
}
