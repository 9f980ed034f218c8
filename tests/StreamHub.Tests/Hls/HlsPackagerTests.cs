using System.Diagnostics;
using System.Text;
using StreamHub.Hls;
using StreamHub.Live;
using StreamHub.Media;
using StreamHub.Tests.Hls.Support;
using Xunit.Abstractions;

namespace StreamHub.Tests.Hls;

public sealed class HlsPackagerTests(ITestOutputHelper output)
{
    private static readonly DateTimeOffset Start = new(2025, 5, 1, 12, 0, 0, TimeSpan.Zero);

    private static void Publish(LiveStream stream, long startMs, long durationMs)
    {
        TestPublisher.Write(stream, [SyntheticFrames.VideoConfig(startMs), SyntheticFrames.AudioConfig(startMs)]);
        TestPublisher.Write(stream, SyntheticFrames.Interleaved(startMs, durationMs, gopFrames: 50));
    }

    private static string Playlist(TestPublisher publisher, string name) =>
        Encoding.UTF8.GetString(publisher.Snapshot(name).Playlist.Span);

    [Fact]
    public void Ended_stream_keeps_its_playlist_with_endlist_for_the_grace_period_then_is_gone()
    {
        var time = new ManualTimeProvider(Start);
        using var publisher = new TestPublisher(new HlsOptions { Container = HlsContainer.Ts, EndedStreamGraceSeconds = 60 }, time);
        var stream = publisher.Begin("grace");
        Publish(stream, 0, 4_100);
        publisher.Registry.EndPublish(stream);
        Assert.EndsWith("#EXT-X-ENDLIST\n", Playlist(publisher, "grace"));

        time.Advance(TimeSpan.FromSeconds(59));
        Assert.True(publisher.Packager.TryGetSnapshot("grace", out _));
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.False(publisher.Packager.TryGetSnapshot("grace", out _));
        Assert.DoesNotContain("grace", publisher.Packager.StreamNames);
    }

    [Fact]
    public void A_stream_s_own_settings_win_over_the_server_s_and_a_change_applies_from_the_next_publish()
    {
        var time = new ManualTimeProvider(Start);
        using var publisher = new TestPublisher(new HlsOptions { Container = HlsContainer.Fmp4, LowLatency = true, EndedStreamGraceSeconds = 60 }, time);
        var first = publisher.Begin("own", new StreamHlsSettings(HlsContainer.Ts, null));
        Publish(first, 0, 4_100);
        var ts = Playlist(publisher, "own");
        Assert.Matches(@"\ns\d+\.ts\n", ts);
        Assert.DoesNotContain("#EXT-X-PART", ts);
        publisher.Registry.EndPublish(first);

        // Within the grace period, with other settings: a new playlist in the new container, not a continuation.
        time.Advance(TimeSpan.FromSeconds(10));
        var second = publisher.Begin("own", new StreamHlsSettings(null, false));
        Publish(second, 0, 4_100);
        var fmp4 = Playlist(publisher, "own");
        Assert.Contains("#EXT-X-MAP:URI=", fmp4);
        Assert.Matches(@"\ns\d+\.m4s\n", fmp4);
        Assert.DoesNotContain("#EXT-X-PART", fmp4);
        Assert.DoesNotContain(".ts\n", fmp4);
        Assert.DoesNotContain("#EXT-X-DISCONTINUITY\n", fmp4);
        publisher.Registry.EndPublish(second);

        // The server's settings again: low latency parts.
        var third = publisher.Begin("own");
        Publish(third, 0, 4_100);
        Assert.Contains("#EXT-X-PART:", Playlist(publisher, "own"));
        publisher.Registry.EndPublish(third);
    }

    [Fact]
    public void Restart_within_grace_continues_the_playlist_restart_after_it_starts_afresh()
    {
        var time = new ManualTimeProvider(Start);
        using var publisher = new TestPublisher(new HlsOptions { Container = HlsContainer.Ts, EndedStreamGraceSeconds = 60 }, time);
        var first = publisher.Begin("comeback");
        Publish(first, 0, 4_100);
        publisher.Registry.EndPublish(first);
        var firstSequence = publisher.Snapshot("comeback").Segments[0].Sequence;
        Assert.Equal(Start.ToUnixTimeSeconds(), firstSequence);

        time.Advance(TimeSpan.FromSeconds(10));
        var second = publisher.Begin("comeback");
        Publish(second, 0, 4_100);
        var text = Playlist(publisher, "comeback");
        Assert.DoesNotContain("ENDLIST", text);
        Assert.Contains("#EXT-X-DISCONTINUITY\n", text);
        Assert.Contains($"#EXT-X-MEDIA-SEQUENCE:{firstSequence}\n", text);
        publisher.Registry.EndPublish(second);

        time.Advance(TimeSpan.FromSeconds(61));
        var third = publisher.Begin("comeback");
        Publish(third, 0, 4_100);
        var fresh = publisher.Snapshot("comeback");
        Assert.DoesNotContain("DISCONTINUITY\n", Encoding.UTF8.GetString(fresh.Playlist.Span));
        Assert.True(fresh.Segments[0].Sequence > firstSequence + 4, "MEDIA-SEQUENCE never goes back, even for a new state");
    }

    [Fact]
    public void New_publisher_taking_over_before_the_old_one_ended_wins()
    {
        using var publisher = new TestPublisher();
        var info = new PublisherInfo("c1", "127.0.0.1:1", null);
        // The registry frees a name before it runs the old publish's End, so a new publisher can start in between:
        // the packager must treat that as a restart and ignore the old publisher's late frames and late end.
        var old = new LiveStream("handover", info, Start, [publisher.Packager]);
        old.Start();
        Publish(old, 0, 2_100);
        var fresh = new LiveStream("handover", info, Start, [publisher.Packager]);
        fresh.Start();
        TestPublisher.Write(old, [SyntheticFrames.Video(2_200, idr: true)]);
        old.End();
        Publish(fresh, 0, 4_100);
        var snapshot = publisher.Snapshot("handover");
        Assert.False(snapshot.Ended);
        // old: 0–2 s, then 2–2.12 s (its frames up to 2.08 s + one frame) closed when the new publisher started; new: 0–2 s (discontinuity), 2–4 s.
        Assert.Equal(4, snapshot.Segments.Count);
        Assert.Equal(0.12, snapshot.Segments[1].Entry.Duration.TotalSeconds, 3);
        Assert.True(snapshot.Segments[2].Entry.Discontinuity);
        TsChecker.Check(snapshot.Segments, video: true);
        fresh.End();
        Assert.True(publisher.Snapshot("handover").Ended);
    }

    [Fact]
    public void Streams_are_kept_apart_by_public_name()
    {
        using var publisher = new TestPublisher();
        var a = publisher.Begin("alpha");
        var b = publisher.Begin("beta");
        Publish(a, 0, 4_100);
        Publish(b, 0, 2_100);
        Assert.Equal(2, publisher.Snapshot("alpha").Segments.Count);
        Assert.Single(publisher.Snapshot("beta").Segments);
        Assert.False(publisher.Packager.TryGetSnapshot("gamma", out _));
    }

    [Fact]
    public void A_removed_stream_gives_its_segment_blocks_back_to_the_pool()
    {
        var time = new ManualTimeProvider(Start);
        using var publisher = new TestPublisher(new HlsOptions { Container = HlsContainer.Ts, EndedStreamGraceSeconds = 60 }, time);
        var blocks = publisher.Packager.Blocks;
        var stream = publisher.Begin("blocks");
        Publish(stream, 0, 6_100);
        publisher.Registry.EndPublish(stream);
        var held = blocks.BlocksInUse;
        Assert.True(held >= 3, $"{held} blocks");

        time.Advance(TimeSpan.FromSeconds(61));
        time.Fire();

        Assert.DoesNotContain("blocks", publisher.Packager.StreamNames);
        Assert.Equal(0, blocks.BlocksInUse);
        Assert.Equal(held, blocks.BlocksFree);
    }

    [Fact]
    public async Task Grace_timer_removes_an_ended_stream_without_any_request()
    {
        using var publisher = new TestPublisher(new HlsOptions { Container = HlsContainer.Ts, EndedStreamGraceSeconds = 1 });
        var stream = publisher.Begin("short");
        Publish(stream, 0, 2_100);
        publisher.Registry.EndPublish(stream);
        Assert.Contains("short", publisher.Packager.StreamNames);
        var deadline = Stopwatch.StartNew();
        while (publisher.Packager.StreamNames.Contains("short") && deadline.Elapsed < TimeSpan.FromSeconds(10))
        {
            await Task.Delay(100);
        }
        Assert.DoesNotContain("short", publisher.Packager.StreamNames);
    }

    [Fact]
    public void Grace_timer_that_fires_early_reschedules_itself_and_a_restart_cancels_it()
    {
        var time = new ManualTimeProvider(Start);
        using var publisher = new TestPublisher(new HlsOptions { Container = HlsContainer.Ts, EndedStreamGraceSeconds = 60 }, time);
        var stream = publisher.Begin("early");
        Publish(stream, 0, 2_100);
        publisher.Registry.EndPublish(stream);
        var timer = Assert.Single(time.Timers);
        Assert.Equal(TimeSpan.FromSeconds(60), timer.DueTime);

        time.Advance(TimeSpan.FromSeconds(59.999));
        time.Fire(); // early, by the wall clock
        Assert.Contains("early", publisher.Packager.StreamNames);
        Assert.InRange(timer.DueTime, TimeSpan.FromMilliseconds(1), TimeSpan.FromMilliseconds(100));

        time.Advance(TimeSpan.FromMilliseconds(30));
        time.Fire();
        Assert.DoesNotContain("early", publisher.Packager.StreamNames);

        var again = publisher.Begin("early");
        Publish(again, 0, 2_100);
        publisher.Registry.EndPublish(again);
        var second = time.Timers[^1];
        Assert.NotSame(timer, second);
        Assert.False(second.Disposed);
        publisher.Begin("early"); // back within the grace period: the pending expiry is cancelled
        Assert.True(second.Disposed);
    }

    /// <summary>The measurement: how long after its closing keyframe is handed over a segment is listed. Listing is
    /// synchronous, so the segment must be in the playlist when <see cref="LiveStream.Write"/> returns; the time is
    /// that of the whole Write call (mux the cut + render the playlist + mux the keyframe).</summary>
    [Fact]
    public void Segment_is_listed_when_the_closing_keyframe_write_returns()
    {
        using var publisher = new TestPublisher(new HlsOptions { Container = HlsContainer.Ts, WindowSegments = 6 });
        var stream = publisher.Begin("latency");
        TestPublisher.Write(stream, [SyntheticFrames.VideoConfig(), SyntheticFrames.AudioConfig()]);
        var samples = new List<double>();
        var ordinary = new List<double>();
        long? firstSequence = null;
        foreach (var frame in SyntheticFrames.Interleaved(0, 200_000, gopFrames: 50).ToList())
        {
            var closing = frame.Kind == MediaKind.Video && frame.IsKeyframe && frame.Dts > 0;
            var started = Stopwatch.GetTimestamp();
            stream.Write(frame);
            var elapsed = Stopwatch.GetElapsedTime(started);
            var dts = frame.Dts;
            frame.Release();
            if (closing)
            {
                // Checked after the call returned: the segment the keyframe closed is already listed.
                var snapshot = publisher.Snapshot("latency");
                var last = snapshot.Segments[^1];
                firstSequence ??= last.Sequence;
                Assert.Equal(dts / 2000, last.Sequence - firstSequence.Value + 1);
                Assert.Contains(last.Entry.Uri + "\n", Encoding.UTF8.GetString(snapshot.Playlist.Span));
                samples.Add(elapsed.TotalMicroseconds);
            }
            else
            {
                ordinary.Add(elapsed.TotalMicroseconds);
            }
        }
        Assert.Equal(99, samples.Count);
        var first = samples[0]; // includes JIT of the cut path
        var warm = samples.Skip(1).Order().ToArray();
        output.WriteLine($"closing-keyframe Write -> segment listed (listed before Write returns): first={first:F1} us; " +
            $"warm n={warm.Length} min={warm[0]:F1} median={warm[warm.Length / 2]:F1} p90={warm[(int)(warm.Length * 0.9)]:F1} max={warm[^1]:F1} us");
        var other = ordinary.Skip(100).Order().ToArray();
        output.WriteLine($"other frames (no cut): n={other.Length} min={other[0]:F1} median={other[other.Length / 2]:F1} p90={other[(int)(other.Length * 0.9)]:F1} max={other[^1]:F1} us");
    }
}
