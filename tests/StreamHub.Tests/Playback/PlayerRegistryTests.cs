using Microsoft.Extensions.Options;
using StreamHub.Live;
using StreamHub.Media;
using StreamHub.Playback;
using StreamHub.Tests.Hls.Support;
using StreamHub.Tests.Infrastructure;
using ManualTimeProvider = StreamHub.Tests.Infrastructure.ManualTimeProvider;

namespace StreamHub.Tests.Playback;

/// <summary>The player registry over real live streams and subscriptions, fed SyntheticFrames on the test's thread
/// (the publisher's), with a manual clock for the durations in the leave lines.</summary>
public sealed class PlayerRegistryTests
{
    private readonly ManualTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly ListLogger<PlayerRegistry> _log = new();
    private readonly LiveStreamRegistry _live;
    private readonly PlayerRegistry _players;

    public PlayerRegistryTests()
    {
        // A stalled player's queue holds 2 s; it is only removed after a minute behind, so it stays connected and dropping.
        _live = new LiveStreamRegistry([], _time, liveOptions: Options.Create(new LiveOptions
        {
            GopCacheMaxSeconds = 1, SubscriberQueueMaxSeconds = 2, SubscriberMaxBehindSeconds = 60,
        }));
        _players = new PlayerRegistry(_time, _log, _live);
    }

    private LiveStream Begin(string name)
    {
        Assert.True(_live.TryBeginPublish(name, new PublisherInfo("c1", "127.0.0.1:1", "enc"), out var stream));
        return stream;
    }

    private static void Publish(LiveStream stream, IEnumerable<MediaFrame> frames)
    {
        foreach (var frame in frames)
        {
            stream.Write(frame);
            frame.Release();
        }
    }

    private PlayerSession Join(LiveStream stream, PlaybackProtocol protocol, string player = "p", string address = "203.0.113.7:50000") =>
        _players.Join(stream, protocol, protocol == PlaybackProtocol.Rtmp ? "rtmp" : "http", player, address);

    [Fact]
    public void Joins_and_leaves_are_counted_per_protocol_per_stream_and_in_total_with_the_bytes_sent_per_protocol()
    {
        var one = Begin("one");
        var two = Begin("two");
        var rtmp1 = Join(one, PlaybackProtocol.Rtmp);
        var rtmp2 = Join(one, PlaybackProtocol.Rtmp);
        var flv1 = Join(one, PlaybackProtocol.HttpFlv);
        var flv2 = Join(two, PlaybackProtocol.HttpFlv);
        rtmp1.AddBytesSent(1000);
        rtmp2.AddBytesSent(500);
        flv1.AddBytesSent(70);
        flv2.AddBytesSent(3);

        var counts = _players.CountsFor("one");
        Assert.Equal((2, 1, 1570L, 0L), (counts.Rtmp, counts.HttpFlv, counts.BytesSent, counts.FramesDropped));
        Assert.Equal((1500L, 70L), (counts.RtmpBytesSent, counts.HttpFlvBytesSent));
        Assert.Equal(3, counts.Total);
        Assert.Equal(new PlayerCounts(0, 1, 3, 0) { HttpFlvBytesSent = 3 }, _players.CountsFor("two"));
        Assert.Equal(default, _players.CountsFor("nobody-watches"));
        var total = _players.Total;
        Assert.Equal((2, 2, 1573L), (total.Rtmp, total.HttpFlv, total.BytesSent));
        Assert.Equal(["one", "two"], _players.StreamNames.Order());

        rtmp2.Dispose();
        rtmp2.Dispose(); // idempotent: counted once
        flv1.Dispose();

        // Those that left are no longer connected; what they were sent stays in the stream's totals.
        counts = _players.CountsFor("one");
        Assert.Equal((1, 0, 1570L), (counts.Rtmp, counts.HttpFlv, counts.BytesSent));
        Assert.Equal((1, 1, 1573L), (_players.Total.Rtmp, _players.Total.HttpFlv, _players.Total.BytesSent));

        rtmp1.Dispose();
        flv2.Dispose();
        _live.EndPublish(one);
        _live.EndPublish(two);
    }

    [Fact]
    public void Dropped_frames_include_the_players_still_connected_per_stream_and_in_total()
    {
        var stream = Begin("drops");
        Publish(stream, [SyntheticFrames.VideoConfig(), SyntheticFrames.AudioConfig()]);
        var stalled = Join(stream, PlaybackProtocol.Rtmp, "stalled");
        var reader = Join(stream, PlaybackProtocol.HttpFlv, "reader");

        // 5 s of media that the stalled player never reads: its 2 s queue overflows and it drops to keyframes.
        foreach (var frame in SyntheticFrames.Interleaved(0, 5000, 25, videoSize: 2000))
        {
            Publish(stream, [frame]);
            while (reader.Subscription.TryRead(out var item))
            {
                item.Frame?.Release();
            }
        }

        var dropping = stalled.Subscription.DroppedFrames;
        Assert.True(dropping > 0);
        Assert.Equal(SubscriptionEnd.None, stalled.Subscription.End);
        Assert.Equal(dropping, _players.CountsFor("drops").FramesDropped);
        Assert.Equal(dropping, _players.Total.FramesDropped);
        Assert.Equal(dropping, _players.PerStream().Single(s => s.Key == "drops").Value.FramesDropped);

        // Leaving moves its drops from the connected sum to the stream's total: still counted, once.
        stalled.Dispose();
        Assert.Equal(dropping, _players.CountsFor("drops").FramesDropped);
        Assert.Equal(dropping, _players.Total.FramesDropped);
        Assert.Equal(0, _players.CountsFor("drops").Rtmp);

        reader.Dispose();
        _live.EndPublish(stream);
        // Once neither live nor watched the name is forgotten (here by a listing, as a scrape does); the server's
        // total keeps its drops.
        Assert.DoesNotContain("drops", _players.StreamNames);
        Assert.Equal(default, _players.CountsFor("drops"));
        Assert.Equal(dropping, _players.Total.FramesDropped);
    }

    [Fact]
    public void A_name_is_kept_while_live_or_watched_and_forgotten_once_neither_so_the_table_stays_bounded_and_the_total_keeps_everything()
    {
        // Its last player leaves while it is live: kept, so its totals carry on.
        var kept = Begin("kept");
        var player = Join(kept, PlaybackProtocol.Rtmp);
        player.AddBytesSent(100);
        player.Dispose();
        Assert.Equal(100, _players.CountsFor("kept").BytesSent);
        Assert.Contains("kept", _players.StreamNames);

        // Then the stream ends with nobody watching: the next listing (a scrape) lets go of it.
        _live.EndPublish(kept);
        Assert.DoesNotContain("kept", _players.StreamNames);
        Assert.Equal(default, _players.CountsFor("kept"));

        // The publisher stops while a player watches: the player's leave lets go of the name at once.
        var ended = Begin("ended");
        var watcher = Join(ended, PlaybackProtocol.HttpFlv);
        watcher.AddBytesSent(20);
        _live.EndPublish(ended);
        Assert.Equal(1, _players.CountsFor("ended").HttpFlv); // until the player sees the end and leaves
        watcher.Dispose();
        Assert.Equal(default, _players.CountsFor("ended"));

        // A thousand streams come and go, each watched while live, most of them ending with nobody watching: the
        // table never holds more than the names live now, and the total keeps what every one of them was sent.
        for (var i = 0; i < 1000; i++)
        {
            var stream = Begin($"churn-{i}");
            var session = Join(stream, i % 2 == 0 ? PlaybackProtocol.Rtmp : PlaybackProtocol.HttpFlv);
            // The previous name ended after its last player left; a new name's first player let go of it.
            Assert.Equal(default, _players.CountsFor($"churn-{i - 1}"));
            session.AddBytesSent(1);
            if (i % 10 == 0)
            {
                _live.EndPublish(stream);
                session.Dispose();
            }
            else
            {
                session.Dispose();
                _live.EndPublish(stream);
            }
            Assert.True(_players.PerStream().Count <= 1, $"{_players.PerStream().Count} names held after {i + 1} streams");
        }
        Assert.Empty(_players.StreamNames);
        var total = _players.Total;
        Assert.Equal((0, 0, 100L + 20 + 1000), (total.Rtmp, total.HttpFlv, total.BytesSent));
        Assert.Equal((100L + 500, 20L + 500), (total.RtmpBytesSent, total.HttpFlvBytesSent));
    }

    [Fact]
    public void A_player_rejoining_after_the_publisher_reconnects_counts_in_the_same_names_entry_while_it_was_watched()
    {
        var first = Begin("reconnects");
        var staying = Join(first, PlaybackProtocol.Rtmp, "staying");
        staying.AddBytesSent(10);
        _live.EndPublish(first);
        var second = Begin("reconnects");
        // The first publish's player has not yet seen its end: the name was watched throughout, so it is kept.
        var next = Join(second, PlaybackProtocol.Rtmp, "next");
        next.AddBytesSent(5);
        staying.Dispose();

        var counts = _players.CountsFor("reconnects");
        Assert.Equal((1, 15L), (counts.Rtmp, counts.BytesSent));
        next.Dispose();
        _live.EndPublish(second);
    }

    [Fact]
    public async Task Players_joining_and_leaving_from_many_threads_while_names_are_forgotten_lose_no_byte_and_the_total_never_goes_back()
    {
        // Half the streams have ended: their players join ended subscriptions and leave at once, so their names are
        // forgotten and made again under the joiners' feet.
        var streams = Enumerable.Range(0, 8).Select(i => Begin($"race-{i}")).ToArray();
        foreach (var stream in streams.Where((_, i) => i % 2 == 1))
        {
            _live.EndPublish(stream);
        }
        using var stop = new CancellationTokenSource();
        var reader = Task.Run(() =>
        {
            long lastBytes = 0;
            while (!stop.IsCancellationRequested)
            {
                var bytes = _players.Total.BytesSent;
                Assert.True(bytes >= lastBytes, $"the total went back from {lastBytes} to {bytes}");
                lastBytes = bytes;
                _ = _players.PerStream();
            }
        });
        const int Threads = 4, Joins = 2000;
        await Task.WhenAll(Enumerable.Range(0, Threads).Select(t => Task.Run(() =>
        {
            for (var i = 0; i < Joins; i++)
            {
                using var session = Join(streams[(t + i) % streams.Length], i % 3 == 0 ? PlaybackProtocol.HttpFlv : PlaybackProtocol.Rtmp, $"t{t}-{i}");
                session.AddBytesSent(1);
            }
        })));
        await stop.CancelAsync();
        await reader;

        var total = _players.Total;
        Assert.Equal((0, 0, (long)Threads * Joins), (total.Rtmp, total.HttpFlv, total.BytesSent));
        Assert.Equal(total.BytesSent, total.RtmpBytesSent + total.HttpFlvBytesSent);
        // Only the live streams' names are held; every ended one has been let go.
        Assert.Equal(streams.Where((_, i) => i % 2 == 0).Select(s => s.Name).Order(), _players.StreamNames.Order());
        foreach (var stream in streams.Where((_, i) => i % 2 == 0))
        {
            _live.EndPublish(stream);
        }
    }

    [Fact]
    public void Joining_and_leaving_log_one_line_each_with_address_protocol_duration_bytes_and_frames_dropped()
    {
        var stream = Begin("logged");
        Publish(stream, [SyntheticFrames.VideoConfig(), SyntheticFrames.AudioConfig()]);
        var session = _players.Join(stream, PlaybackProtocol.HttpFlv, "https", "conn-42", "198.51.100.9:40000");
        foreach (var frame in SyntheticFrames.Interleaved(0, 5000, 25, videoSize: 2000))
        {
            Publish(stream, [frame]);
        }
        var dropped = session.Subscription.DroppedFrames;
        Assert.True(dropped > 0);
        session.AddBytesSent(12_345);
        _time.Advance(TimeSpan.FromSeconds(12.5));
        session.SetLeaveReason("the player closed the connection");
        session.Dispose();
        _live.EndPublish(stream);

        Assert.Equal(2, _log.Lines.Count);
        var joined = _log.Lines[0];
        Assert.StartsWith("Information", joined);
        Assert.Contains("conn-42", joined);
        Assert.Contains("logged", joined);
        Assert.Contains("HttpFlv", joined);
        Assert.Contains("https", joined);
        Assert.Contains("198.51.100.9:40000", joined);
        var left = _log.Lines[1];
        Assert.StartsWith("Information", left);
        Assert.Contains("conn-42", left);
        Assert.Contains("HttpFlv", left);
        Assert.Contains("198.51.100.9:40000", left);
        Assert.Contains("after 12.5 s", left);
        Assert.Contains("12345 bytes sent", left);
        Assert.Contains($"{dropped} frames dropped", left);
        Assert.Contains("the player closed the connection", left);
    }
}
