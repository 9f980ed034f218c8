using System.Buffers;
using System.Text;
using StreamHub.Hls.Playlists;
using StreamHub.Hls.Segmenting;

namespace StreamHub.Tests.Hls.Segmenting;

public sealed class PlaylistSnapshotTests
{
    private static readonly DateTimeOffset Start = new(2026, 12, 2, 8, 0, 0, TimeSpan.Zero);

    /// <summary>Drives a low-latency window through parts, segments, a discontinuity with a new init segment, a longer
    /// segment that raises the target duration, enough segments for delta updates, and an end and reopen; calls
    /// <paramref name="published"/> after every change.</summary>
    private static void Drive(SegmentWindow window, Action published)
    {
        var pool = new SegmentBlockPool();
        var partNumber = window.FirstPartNumber;
        for (long sequence = 50; sequence < 68; sequence++)
        {
            var segment = new Segment(sequence, pool);
            window.Open(segment, Entry(sequence, 0));
            var partCount = sequence == 53 ? 7 : 4; // one longer segment raises TARGETDURATION to 2
            for (var index = 0; index < partCount; index++)
            {
                var part = new PartialSegment(segment, new PartEntry(sequence, index, TimeSpan.FromSeconds(0.3 + index / 1000.0), index == 0, partNumber++),
                    ReadOnlySequence<byte>.Empty);
                if (index == partCount - 1)
                {
                    segment.AddPart(part);
                    segment.Complete(Entry(sequence, 0.3 * partCount + 0.004), ReadOnlySequence<byte>.Empty, null);
                    window.Add(segment);
                }
                else
                {
                    window.AddPart(part);
                }
                published();
            }
            if (sequence == 56)
            {
                window.End();
                published();
                window.Reopen();
                published();
            }
        }
    }

    private static PlaylistEntry Entry(long sequence, double seconds) =>
        new(sequence, TimeSpan.FromSeconds(seconds), sequence == 59, Start.AddSeconds(sequence * 1.5), sequence % 4 != 1, sequence >= 59 ? 2 : 1);

    private static SegmentWindow NewWindow() => new(12, 1, 50, TimeSpan.FromSeconds(0.333));

    private static string Text(ReadOnlyMemory<byte> bytes) => Encoding.UTF8.GetString(bytes.Span);

    [Fact]
    public void A_snapshot_rendered_after_the_window_moved_on_has_the_text_it_would_have_had_when_published()
    {
        // The same feed into two windows: one whose snapshots are read at once, one whose snapshots are kept and read
        // only three changes later (and again at the end), after the segmenter has added parts, closed and opened
        // segments, and raised the target duration. The text must not depend on when it is written.
        var eager = NewWindow();
        var atOnce = new List<(string Playlist, string Delta)>();
        Drive(eager, () => atOnce.Add((Text(eager.Snapshot.Playlist), Text(eager.Snapshot.DeltaPlaylist))));

        var lazy = NewWindow();
        var kept = new List<PlaylistSnapshot>();
        var later = new List<(string Playlist, string Delta)>();
        Drive(lazy, () =>
        {
            kept.Add(lazy.Snapshot);
            if (kept.Count > 3)
            {
                var old = kept[^4];
                later.Add((Text(old.Playlist), Text(old.DeltaPlaylist)));
            }
        });

        Assert.Equal(atOnce.Count, kept.Count);
        Assert.True(atOnce.Count > 70);
        Assert.Contains(atOnce, p => p.Playlist.Contains("#EXT-X-TARGETDURATION:2\n", StringComparison.Ordinal));
        Assert.Contains(atOnce, p => p.Delta.Contains("#EXT-X-SKIP:", StringComparison.Ordinal));
        Assert.Contains(atOnce, p => p.Playlist.Contains("init2.mp4", StringComparison.Ordinal));
        Assert.Equal(atOnce.Take(later.Count), later);
        // Read again, the same bytes: each snapshot's text is written once.
        for (var i = 0; i < kept.Count; i++)
        {
            Assert.Equal(atOnce[i], (Text(kept[i].Playlist), Text(kept[i].DeltaPlaylist)));
            Assert.True(kept[i].Playlist.Span == kept[i].Playlist.Span, "rendered twice");
        }
    }

    [Fact]
    public void A_snapshot_read_from_many_threads_at_once_gives_every_reader_the_same_text()
    {
        var window = NewWindow();
        var snapshots = new List<PlaylistSnapshot>();
        Drive(window, () => snapshots.Add(window.Snapshot));
        var expected = NewWindow();
        var texts = new List<string>();
        Drive(expected, () => texts.Add(Text(expected.Snapshot.DeltaPlaylist)));

        var read = new string[snapshots.Count, 4];
        Parallel.For(0, snapshots.Count * 4, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i =>
            read[i / 4, i % 4] = Text(snapshots[i / 4].DeltaPlaylist));
        for (var i = 0; i < snapshots.Count; i++)
        {
            for (var reader = 0; reader < 4; reader++)
            {
                Assert.Equal(texts[i], read[i, reader]);
            }
        }
    }

    [Fact]
    public void A_snapshot_nobody_waits_on_is_superseded_at_once_without_a_task_of_its_own()
    {
        var window = NewWindow();
        var snapshots = new List<PlaylistSnapshot>();
        Drive(window, () => snapshots.Add(window.Snapshot));
        foreach (var old in snapshots[..^1])
        {
            Assert.False(old.HadWaiters);
            Assert.True(old.Superseded.IsCompleted); // completed already, not on a work item still to run
            Assert.False(old.HadWaiters);
        }
        Assert.False(snapshots[^1].Superseded.IsCompleted);
        Assert.True(snapshots[^1].HadWaiters);
    }

    [Fact]
    public async Task Waiters_are_woken_when_the_snapshot_is_superseded_however_their_wait_and_the_swap_interleave()
    {
        var window = NewWindow();
        var pool = new SegmentBlockPool();
        var segment = new Segment(50, pool);
        window.Open(segment, Entry(50, 0));
        var partNumber = window.FirstPartNumber;
        for (var round = 0; round < 200; round++)
        {
            var snapshot = window.Snapshot;
            using var go = new Barrier(3);
            var waiters = Enumerable.Range(0, 2).Select(_ => Task.Run(() =>
            {
                go.SignalAndWait();
                return snapshot.Superseded;
            })).ToArray();
            go.SignalAndWait();
            window.AddPart(new PartialSegment(segment, new PartEntry(50, round, TimeSpan.FromSeconds(0.3), round == 0, partNumber++),
                ReadOnlySequence<byte>.Empty));
            foreach (var waiter in waiters)
            {
                // Bounded: a waiter whose wake-up was lost would hang here.
                await waiter.WaitAsync(TimeSpan.FromSeconds(10));
            }
        }
    }
}
