using Microsoft.Extensions.Options;
using StreamHub.Live;
using StreamHub.Media;
using StreamHub.Tests.Hls.Support;
using StreamHub.Tests.Infrastructure;

namespace StreamHub.Tests.Live;

/// <summary>Subscriptions on a live stream built as the registry builds it, fed SyntheticFrames on the test's thread
/// (the publisher's). Every frame the test creates is checked released at the end: a released frame's payload is
/// empty, and a second release would throw.</summary>
public sealed class LiveSubscriptionTests
{
    private readonly List<MediaFrame> _created = [];
    private readonly Dictionary<MediaFrame, int> _sizes = new(ReferenceEqualityComparer.Instance);
    private readonly ListLogger<LiveStream> _logger = new();

    private LiveStreamRegistry Registry(LiveOptions? options = null) =>
        new([], TimeProvider.System, logger: _logger, liveOptions: Options.Create(options ?? new LiveOptions()));

    private static LiveStream Begin(LiveStreamRegistry registry, string name = "subs")
    {
        Assert.True(registry.TryBeginPublish(name, new PublisherInfo("c1", "127.0.0.1:1", "enc"), out var stream));
        return stream;
    }

    /// <summary>Writes as RtmpSession does (the publisher releases its own reference after Write); returns the frame.</summary>
    private MediaFrame Publish(LiveStream stream, MediaFrame frame)
    {
        _created.Add(frame);
        _sizes[frame] = frame.Payload.Length;
        stream.Write(frame);
        frame.Release();
        return frame;
    }

    private List<MediaFrame> PublishAll(LiveStream stream, IEnumerable<MediaFrame> frames) => frames.Select(f => Publish(stream, f)).ToList();

    private static List<object> Drain(LiveSubscription subscription, List<MediaFrame>? released = null)
    {
        var items = new List<object>();
        while (subscription.TryRead(out var item))
        {
            if (item.Frame is { } frame)
            {
                items.Add(frame);
                frame.Release();
            }
            else
            {
                items.Add(item.Metadata!);
            }
        }
        return items;
    }

    private void AssertEveryFrameReleased()
    {
        Assert.All(_created, frame => Assert.Equal(0, frame.Payload.Length));
    }

    [Fact]
    public void A_late_joiner_that_has_not_read_its_start_yet_is_not_taken_for_one_that_is_behind()
    {
        // The sequence headers were sent at the start (0 ms); the late joiner is handed them again 20 s later. They
        // must not make its unread queue look 20 s long (past SubscriberQueueMaxSeconds), or it would drop to the next
        // keyframe before it had read anything.
        var stream = Begin(Registry(new LiveOptions { GopCacheAlways = true }));
        Publish(stream, SyntheticFrames.VideoConfig(0));
        Publish(stream, SyntheticFrames.AudioConfig(0));
        for (var dts = 0L; dts < 20_000; dts += 40)
        {
            Publish(stream, SyntheticFrames.Video(dts, idr: dts % 2_000 == 0));
        }
        using var late = stream.Subscribe(new SubscriptionOptions("late"));
        for (var dts = 20_000L; dts < 20_400; dts += 40)
        {
            Publish(stream, SyntheticFrames.Video(dts, idr: false));
        }

        Assert.Equal(0, late.DroppedFrames);
        var frames = Drain(late).OfType<MediaFrame>().Where(f => f.FrameKind == MediaFrameKind.Coded).ToList();
        Assert.Equal(50 + 10, frames.Count); // the GOP since 18 s, then every live frame
        stream.Stop();
    }

    [Fact]
    public void A_late_joiner_gets_metadata_headers_and_the_gop_then_live_frames_in_order_without_gap_or_duplicate()
    {
        var registry = Registry();
        var stream = Begin(registry);
        // The stream keeps a GOP cache from its first subscription on.
        var early = stream.Subscribe(new SubscriptionOptions("early"));
        stream.SetMetadata(new Dictionary<string, object?> { ["width"] = 1280.0 });
        var videoHeader = Publish(stream, SyntheticFrames.VideoConfig());
        var audioHeader = Publish(stream, SyntheticFrames.AudioConfig());
        // Keyframes at 0, 1000, 2000 ms (GOP of 25 frames at 25 fps); 2.5 s published before the join.
        var before = PublishAll(stream, SyntheticFrames.Interleaved(0, 2500, 25));
        var subscription = stream.Subscribe(new SubscriptionOptions("late"));
        // Ends with a video frame: audio goes to subscribers with the next video frame (LiveStream._heldAudio).
        var after = PublishAll(stream, SyntheticFrames.Interleaved(2500, 1500, 25).Append(SyntheticFrames.Video(4000, idr: false)));

        var items = Drain(subscription);

        var gopStart = before.FindIndex(f => f.Kind == MediaKind.Video && f.IsKeyframe && f.Dts == 2000);
        var metadata = Assert.IsAssignableFrom<IReadOnlyDictionary<string, object?>>(items[0]);
        Assert.Equal(1280.0, metadata["width"]);
        Assert.Same(videoHeader, items[1]);
        Assert.Same(audioHeader, items[2]);
        Assert.Equal(before.Skip(gopStart).Concat(after).ToList<object>(), items.Skip(3).ToList());
        Assert.Equal(0, subscription.DroppedFrames);

        subscription.Dispose();
        early.Dispose();
        registry.EndPublish(stream);
        AssertEveryFrameReleased();
    }

    [Fact]
    public void A_stream_nobody_subscribed_to_keeps_no_gop_and_its_first_subscriber_starts_at_the_next_keyframe()
    {
        var registry = Registry();
        var stream = Begin(registry);
        Publish(stream, SyntheticFrames.VideoConfig());
        // Keyframes at 0, 1000 and 2000 ms; the subscriber comes at 1500.
        var frames2500 = SyntheticFrames.Interleaved(0, 2500, 25).Append(SyntheticFrames.Video(2500, idr: false)).ToList();
        PublishAll(stream, frames2500.Where(f => f.Dts < 1500));
        Assert.Equal((0, 0L), stream.GopCacheSize);

        var first = stream.Subscribe(new SubscriptionOptions("first"));
        var after = PublishAll(stream, frames2500.Where(f => f.Dts >= 1500));
        var frames = Drain(first).OfType<MediaFrame>().ToList();

        Assert.Equal(MediaFrameKind.SequenceHeader, frames[0].FrameKind);
        var keyframe = after.FindIndex(f => f.Kind == MediaKind.Video && f.IsKeyframe);
        Assert.Equal(2000, after[keyframe].Dts);
        // Audio and video both from the first keyframe on, so a player's sound and picture start together.
        Assert.Equal(after.Skip(keyframe), frames.Skip(1));
        Assert.True(stream.GopCacheSize.Frames > 0);
        first.Dispose();
        registry.EndPublish(stream);
        AssertEveryFrameReleased();
    }

    [Fact]
    public void A_subscription_that_does_not_start_the_gop_cache_gets_every_frame_and_the_stream_still_caches_nothing()
    {
        var registry = Registry();
        var stream = Begin(registry);
        var recorder = stream.Subscribe(new SubscriptionOptions("recorder", StartsGopCache: false));
        Publish(stream, SyntheticFrames.VideoConfig());
        var published = PublishAll(stream, SyntheticFrames.Interleaved(0, 2500, 25).Append(SyntheticFrames.Video(2500, idr: false)));

        var frames = Drain(recorder).OfType<MediaFrame>().ToList();

        Assert.Equal(published, frames.Skip(1));
        Assert.Equal((0, 0L), stream.GopCacheSize);
        recorder.Dispose();
        registry.EndPublish(stream);
        AssertEveryFrameReleased();
    }

    [Fact]
    public void The_first_subscriber_of_an_audio_only_stream_gets_audio_at_once()
    {
        var registry = Registry();
        var stream = Begin(registry);
        Publish(stream, SyntheticFrames.AudioConfig());
        var audio = SyntheticFrames.Interleaved(0, 2000, 25, video: false).ToList();
        PublishAll(stream, audio.Where(f => f.Dts < 1000));

        var first = stream.Subscribe(new SubscriptionOptions("first"));
        var after = PublishAll(stream, audio.Where(f => f.Dts >= 1000));
        var frames = Drain(first).OfType<MediaFrame>().ToList();

        // No video will ever come to wait for: every audio frame is a place to start.
        Assert.Equal(MediaFrameKind.SequenceHeader, frames[0].FrameKind);
        Assert.Equal(after, frames.Skip(1));
        first.Dispose();
        registry.EndPublish(stream);
        AssertEveryFrameReleased();
    }

    [Fact]
    public void Subscribers_read_at_their_own_pace_and_each_gets_every_frame()
    {
        var registry = Registry();
        var stream = Begin(registry);
        Publish(stream, SyntheticFrames.VideoConfig());
        var fast = stream.Subscribe(new SubscriptionOptions("fast"));
        var slow = stream.Subscribe(new SubscriptionOptions("slow"));
        var fastItems = new List<object>();
        var slowItems = new List<object>();
        var written = new List<MediaFrame>();

        var i = 0;
        foreach (var frame in SyntheticFrames.Interleaved(0, 4000, 25).Append(SyntheticFrames.Video(4000, idr: false)))
        {
            written.Add(Publish(stream, frame));
            fastItems.AddRange(Drain(fast));
            if (++i % 40 == 0)
            {
                slowItems.AddRange(Drain(slow));
            }
        }
        slowItems.AddRange(Drain(slow));

        // Both joined before the first coded frame: the header, then every frame written.
        Assert.Equal(written.ToList<object>(), fastItems.Skip(1).ToList());
        Assert.Equal(fastItems, slowItems);
        Assert.Equal(2, stream.SubscriberCount);
        fast.Dispose();
        Assert.Equal(1, stream.SubscriberCount);
        slow.Dispose();
        registry.EndPublish(stream);
        AssertEveryFrameReleased();
    }

    [Fact]
    public void A_stalled_subscriber_drops_whole_frames_up_to_the_next_keyframe_and_counts_them_while_a_fast_one_gets_everything()
    {
        var registry = Registry(new LiveOptions { GopCacheMaxSeconds = 1, SubscriberQueueMaxSeconds = 2, SubscriberMaxBehindSeconds = 60, SubscriberAudioHoldMilliseconds = 0 });
        var stream = Begin(registry);
        Publish(stream, SyntheticFrames.VideoConfig());
        Publish(stream, SyntheticFrames.AudioConfig());
        var fast = stream.Subscribe(new SubscriptionOptions("fast"));
        var stalled = stream.Subscribe(new SubscriptionOptions("stalled"));
        var fastFrames = new List<MediaFrame>();
        var stalledFrames = new List<MediaFrame>();
        var written = new List<MediaFrame>();

        // 4 s without the stalled one reading (its queue holds 2 s), then 4 s with it keeping up.
        foreach (var frame in SyntheticFrames.Interleaved(0, 8000, 25, videoSize: 2000))
        {
            var dts = frame.Dts;
            written.Add(Publish(stream, frame));
            fastFrames.AddRange(Drain(fast).OfType<MediaFrame>());
            if (dts >= 4000)
            {
                stalledFrames.AddRange(Drain(stalled).OfType<MediaFrame>());
            }
        }

        Assert.Equal(written, fastFrames.Where(f => f.FrameKind == MediaFrameKind.Coded));
        Assert.Equal(0, fast.DroppedFrames);
        var received = stalledFrames.Where(f => f.FrameKind == MediaFrameKind.Coded).ToList();
        var firstMissing = received.Select((f, i) => (f, i)).First(p => !ReferenceEquals(p.f, written[p.i])).i;
        var resumedAt = written.IndexOf(received[firstMissing]);
        var gap = written.GetRange(firstMissing, resumedAt - firstMissing);
        Assert.True(received[firstMissing] is { Kind: MediaKind.Video, IsKeyframe: true }, "resumes at a keyframe");
        Assert.Equal(written.Skip(resumedAt), received.Skip(firstMissing));
        Assert.Equal(gap.Count, stalled.DroppedFrames);
        Assert.Equal(gap.Sum(f => (long)_sizes[f]), stalled.DroppedBytes);
        Assert.InRange(firstMissing, 1, written.Count - 1);
        Assert.Equal(SubscriptionEnd.None, stalled.End);
        Assert.Empty(_logger.Lines);

        fast.Dispose();
        stalled.Dispose();
        registry.EndPublish(stream);
        AssertEveryFrameReleased();
    }

    [Fact]
    public void A_reader_that_has_caught_up_is_given_its_whole_queue_again_by_frames_and_by_media_time()
    {
        // The publisher reads the reader's position again only when a frame does not fit by the one it last read:
        // a reader that emptied its queue must still get every frame the bounds allow, and not one more.
        var registry = Registry(new LiveOptions { SubscriberQueueMaxFrames = 64, SubscriberQueueMaxSeconds = 1, SubscriberMaxBehindSeconds = 60, GopCacheMaxSeconds = 0.5 });
        var stream = Begin(registry);
        var subscription = stream.Subscribe(new SubscriptionOptions("reader"));
        Publish(stream, SyntheticFrames.VideoConfig());
        var dts = 0L;
        MediaFrame Next(bool idr = false) => Publish(stream, SyntheticFrames.Video(dts += 10, idr));

        // By frames: 64 entries (the header and 63 frames), emptied, then 64 frames again.
        Next(idr: true);
        for (var i = 0; i < 62; i++)
        {
            Next();
        }
        Assert.Equal(64, subscription.QueuedItems);
        Assert.Equal(64, Drain(subscription).Count);
        for (var i = 0; i < 64; i++)
        {
            Next();
        }
        Assert.Equal(0, subscription.DroppedFrames);
        Assert.Equal(64, subscription.QueuedItems);
        Next();
        Assert.Equal(1, subscription.DroppedFrames);

        // By media time: resumed at a keyframe and emptied; then frames every 40 ms for 1 s, which fit by the reader's
        // real position (the queue's oldest frame) and not by the one before it was emptied.
        Drain(subscription);
        Next(idr: true);
        Drain(subscription);
        var dropped = subscription.DroppedFrames;
        Assert.Equal(1, dropped);
        for (var i = 0; i < 20; i++)
        {
            Next();
        }
        Drain(subscription);
        for (var i = 0; i < 25; i++)
        {
            dts += 30;
            Next();
        }
        Assert.Equal(dropped, subscription.DroppedFrames);
        dts += 40;
        Next();
        Assert.Equal(dropped + 1, subscription.DroppedFrames);
        Assert.Equal(25, Drain(subscription).Count);

        subscription.Dispose();
        registry.EndPublish(stream);
        AssertEveryFrameReleased();
    }

    [Fact]
    public void Queued_bytes_and_the_bounds_stay_right_as_the_ring_grows_and_across_drops()
    {
        // 64 KiB and 3 s: the byte bound is the one that trips (about 100 video frames of 600 bytes), after the ring
        // (64 entries to start with) has had to grow.
        var registry = Registry(new LiveOptions { SubscriberQueueMaxBytes = 64 * 1024, SubscriberQueueMaxSeconds = 3, SubscriberMaxBehindSeconds = 60, SubscriberAudioHoldMilliseconds = 0 });
        var stream = Begin(registry);
        Publish(stream, SyntheticFrames.VideoConfig());
        var reader = stream.Subscribe(new SubscriptionOptions("reader"));
        Assert.Equal(0, reader.QueuedBytes);

        // The bytes of every frame drained (the stream's header too, handed over with the first coded frame); the
        // coded frames drained.
        long DrainCounting(out List<MediaFrame> coded)
        {
            var frames = Drain(reader).OfType<MediaFrame>().ToList();
            coded = frames.Where(f => f.FrameKind == MediaFrameKind.Coded).ToList();
            return frames.Sum(f => (long)_sizes[f]);
        }

        // Phase 1: nothing read while the queue fills past the ring's first size and up to the byte bound.
        var written = PublishAll(stream, SyntheticFrames.Interleaved(0, 4000, 25));
        Assert.True(reader.QueuedItems > 64, $"{reader.QueuedItems} queued: the ring did not have to grow");
        Assert.True(reader.DroppedFrames > 0);
        var queued = reader.QueuedBytes;
        Assert.InRange(queued, 64 * 1024 - 1000, 64 * 1024);
        Assert.Equal(queued, DrainCounting(out var first));
        Assert.Equal(0, reader.QueuedBytes);
        Assert.Equal(written.Take(first.Count), first); // the oldest kept, the rest dropped
        Assert.Equal(written.Count - first.Count, reader.DroppedFrames);

        // Phase 2: it resumes at the next keyframe and the count follows it, read in halves.
        var more = PublishAll(stream, SyntheticFrames.Interleaved(4000, 1000, 25));
        var half = reader.QueuedItems / 2;
        var taken = new List<MediaFrame>();
        for (var i = 0; i < half && reader.TryRead(out var item); i++)
        {
            taken.Add(item.Frame!);
            item.Frame!.Release();
            Assert.Equal(MediaFrameKind.Coded, item.Frame.FrameKind);
        }
        var rest = reader.QueuedBytes;
        Assert.Equal(rest, DrainCounting(out var second));
        Assert.True(rest > 0);
        Assert.Equal(more, taken.Concat(second));
        Assert.Equal(0, reader.QueuedBytes);
        Assert.Equal(written.Count - first.Count, reader.DroppedFrames);

        reader.Dispose();
        registry.EndPublish(stream);
        AssertEveryFrameReleased();
    }

    [Fact]
    public void The_media_time_bound_holds_after_the_ring_has_grown()
    {
        // 4 s of 25 fps video and AAC is ~340 entries: the ring grows from 64 to 512 on the way. The stream starts at
        // 10 s, so an entry whose DTS were lost in the growth would not look like the first one's.
        var registry = Registry(new LiveOptions { SubscriberQueueMaxSeconds = 4, SubscriberMaxBehindSeconds = 60, SubscriberAudioHoldMilliseconds = 0 });
        var stream = Begin(registry);
        Publish(stream, SyntheticFrames.VideoConfig(10_000));
        Publish(stream, SyntheticFrames.AudioConfig(10_000));
        var reader = stream.Subscribe(new SubscriptionOptions("reader"));

        var written = PublishAll(stream, SyntheticFrames.Interleaved(10_000, 6000, 250));
        var kept = Drain(reader).OfType<MediaFrame>().Where(f => f.FrameKind == MediaFrameKind.Coded).ToList();

        // Everything up to 4 s after the first entry, nothing after it (no keyframe to resume at within 6 s).
        Assert.Equal(written.Where(f => f.Dts <= 14_000), kept);
        Assert.Equal(written.Count(f => f.Dts > 14_000), reader.DroppedFrames);
        reader.Dispose();
        registry.EndPublish(stream);
        AssertEveryFrameReleased();
    }

    [Fact]
    public async Task A_subscriber_behind_past_the_limit_is_removed_with_one_log_line_and_the_others_carry_on()
    {
        var registry = Registry(new LiveOptions { GopCacheMaxSeconds = 0.5, SubscriberQueueMaxSeconds = 1, SubscriberMaxBehindSeconds = 2, SubscriberAudioHoldMilliseconds = 0 });
        var stream = Begin(registry, "behind");
        Publish(stream, SyntheticFrames.VideoConfig());
        var fast = stream.Subscribe(new SubscriptionOptions("fast-viewer"));
        var stalled = stream.Subscribe(new SubscriptionOptions("stalled-viewer"));
        var written = new List<MediaFrame>();
        var fastFrames = new List<MediaFrame>();

        foreach (var frame in SyntheticFrames.Interleaved(0, 6000, 25))
        {
            written.Add(Publish(stream, frame));
            fastFrames.AddRange(Drain(fast).OfType<MediaFrame>().Where(f => f.FrameKind == MediaFrameKind.Coded));
        }

        Assert.Equal(SubscriptionEnd.FellBehind, stalled.End);
        Assert.False(stalled.TryRead(out _));
        Assert.False(await stalled.WaitToReadAsync());
        Assert.True(stalled.DroppedFrames > 0);
        Assert.Equal(1, stream.SubscriberCount);
        Assert.Equal(written, fastFrames);
        var line = Assert.Single(_logger.Lines);
        Assert.StartsWith("Warning", line);
        Assert.Contains("behind", line);
        Assert.Contains("stalled-viewer", line);
        Assert.Contains("behind for more than 2 s", line);

        stalled.Dispose();
        fast.Dispose();
        registry.EndPublish(stream);
        AssertEveryFrameReleased();
    }

    [Fact]
    public async Task The_end_of_the_publish_completes_every_reader_and_every_frame_is_released()
    {
        var registry = Registry();
        var stream = Begin(registry);
        Publish(stream, SyntheticFrames.VideoConfig());
        var reader = stream.Subscribe(new SubscriptionOptions("reader"));
        var idle = stream.Subscribe(new SubscriptionOptions("idle"));
        var waiting = stream.Subscribe(new SubscriptionOptions("waiting"));
        // Ends with audio, which the stream holds for the next video frame: the end hands it over.
        var written = PublishAll(stream, SyntheticFrames.Interleaved(0, 1000, 25));
        Assert.Equal(MediaKind.Audio, written[^1].Kind);
        Drain(waiting);
        var wait = waiting.WaitToReadAsync();
        Assert.False(wait.IsCompleted);

        registry.EndPublish(stream);

        Assert.True(await wait);
        Assert.Equal(written.Skip(written.FindLastIndex(f => f.Kind == MediaKind.Video) + 1), Drain(waiting));
        Assert.False(await waiting.WaitToReadAsync());
        Assert.Equal(SubscriptionEnd.PublishEnded, waiting.End);
        // What was queued is still read, then the end.
        var items = new List<object>();
        while (await reader.WaitToReadAsync())
        {
            items.AddRange(Drain(reader));
        }
        Assert.Equal(written.ToList<object>(), items.Skip(1).ToList());
        Assert.Equal(SubscriptionEnd.PublishEnded, reader.End);
        Assert.True(idle.QueuedItems > 0);
        idle.Dispose();
        Assert.Equal(0, idle.QueuedBytes);
        reader.Dispose();
        waiting.Dispose();

        var late = stream.Subscribe(new SubscriptionOptions("too-late"));
        Assert.Equal(SubscriptionEnd.PublishEnded, late.End);
        Assert.False(await late.WaitToReadAsync());
        late.Dispose();
        AssertEveryFrameReleased();
    }

    [Fact]
    public async Task A_waiting_reader_is_woken_by_the_next_frame_and_dispose_ends_a_wait()
    {
        var registry = Registry();
        var stream = Begin(registry);
        var subscription = stream.Subscribe(new SubscriptionOptions("waiter"));
        var wait = subscription.WaitToReadAsync();
        Assert.False(wait.IsCompleted);
        Publish(stream, SyntheticFrames.VideoConfig());
        Assert.True(await wait.AsTask().WaitAsync(TimeSpan.FromSeconds(10)));
        Drain(subscription);

        var pending = subscription.WaitToReadAsync();
        subscription.Dispose();
        Assert.False(await pending.AsTask().WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(SubscriptionEnd.Unsubscribed, subscription.End);
        Assert.Equal(0, stream.SubscriberCount);
        registry.EndPublish(stream);
        AssertEveryFrameReleased();
    }

    [Fact]
    public void Settings_where_the_gop_cache_would_not_fit_a_subscriber_queue_are_refused_and_the_defaults_are_valid()
    {
        var defaults = new LiveOptions();
        Assert.True(System.ComponentModel.DataAnnotations.Validator.TryValidateObject(defaults,
            new System.ComponentModel.DataAnnotations.ValidationContext(defaults), [], validateAllProperties: true));
        Assert.Equal((10.0, 8 * 1024 * 1024, 15.0, 16 * 1024 * 1024, 2048, 10.0), (defaults.GopCacheMaxSeconds, defaults.GopCacheMaxBytes,
            defaults.SubscriberQueueMaxSeconds, defaults.SubscriberQueueMaxBytes, defaults.SubscriberQueueMaxFrames, defaults.SubscriberMaxBehindSeconds));
        var options = new LiveOptions { GopCacheMaxSeconds = 20, SubscriberQueueMaxSeconds = 15 };
        var results = new List<System.ComponentModel.DataAnnotations.ValidationResult>();
        Assert.False(System.ComponentModel.DataAnnotations.Validator.TryValidateObject(options,
            new System.ComponentModel.DataAnnotations.ValidationContext(options), results, validateAllProperties: true));
        Assert.Contains(results, r => r.ErrorMessage!.Contains("StreamHub:Live:SubscriberQueueMaxSeconds"));
    }
}
