using System.Text;
using StreamHub.Hls.Playlists;
using StreamHub.Hls.Segmenting;

namespace StreamHub.Tests.Hls.Segmenting;

public sealed class SegmentWindowTests
{
    private static readonly DateTimeOffset Start = new(2025, 5, 1, 12, 0, 0, TimeSpan.Zero);

    private static Segment Segment(long sequence, bool discontinuity = false, double seconds = 2) =>
        new(new PlaylistEntry(sequence, TimeSpan.FromSeconds(seconds), discontinuity, Start.AddSeconds(sequence * 2), true), new byte[188]);

    private static string Text(SegmentWindow window) => Encoding.UTF8.GetString(window.Snapshot.Playlist.Span);

    private static string Tag(string text, string tag) =>
        text.Split('\n').Single(l => l.StartsWith(tag + ":", StringComparison.Ordinal))[(tag.Length + 1)..];

    [Fact]
    public void Target_duration_is_the_rounded_longest_segment_at_least_the_minimum_and_never_goes_down()
    {
        var window = new SegmentWindow(3, 2, 0);
        window.Add(Segment(0, seconds: 1.5));
        Assert.Equal("2", Tag(Text(window), "#EXT-X-TARGETDURATION")); // the minimum
        window.Add(Segment(1, seconds: 2.499));
        Assert.Equal(2, window.TargetDuration);
        window.Add(Segment(2, seconds: 2.5)); // rounds half up
        Assert.Equal("3", Tag(Text(window), "#EXT-X-TARGETDURATION"));
        for (var sequence = 3; sequence < 10; sequence++)
        {
            window.Add(Segment(sequence, seconds: 1));
        }
        Assert.Equal("3", Tag(Text(window), "#EXT-X-TARGETDURATION")); // the long segment has left, the tag stays
    }

    [Fact]
    public void No_playlist_before_the_first_segment()
    {
        var window = new SegmentWindow(3, 3, 100);
        Assert.False(window.Snapshot.HasPlaylist);
        Assert.Null(window.Snapshot.FindSegment(100));
    }

    [Fact]
    public void Sliding_advances_media_sequence_and_keeps_left_segments_fetchable_for_one_window()
    {
        var window = new SegmentWindow(3, 3, 100);
        for (var sequence = 100; sequence < 110; sequence++)
        {
            window.Add(Segment(sequence));
        }
        var text = Text(window);
        Assert.Equal("107", Tag(text, "#EXT-X-MEDIA-SEQUENCE"));
        Assert.Equal(["s107.ts", "s108.ts", "s109.ts"], text.Split('\n').Where(l => l.EndsWith(".ts", StringComparison.Ordinal)));
        // Listed 107..109, retired 104..106 still served, 103 and older gone: memory bounded by two windows.
        Assert.Equal(6, window.Snapshot.Segments.Count);
        Assert.NotNull(window.Snapshot.FindSegment(104));
        Assert.NotNull(window.Snapshot.FindSegment(109));
        Assert.Null(window.Snapshot.FindSegment(103));
        Assert.Null(window.Snapshot.FindSegment(110));
        Assert.Equal(109, window.Snapshot.FindSegment(109)!.Sequence);
    }

    [Fact]
    public void Discontinuity_sequence_advances_when_a_discontinuity_leaves_the_window()
    {
        var window = new SegmentWindow(3, 3, 0);
        window.Add(Segment(0));
        window.Add(Segment(1, discontinuity: true));
        window.Add(Segment(2));
        window.Add(Segment(3, discontinuity: true));
        Assert.Equal("0", Tag(Text(window), "#EXT-X-DISCONTINUITY-SEQUENCE"));
        Assert.Equal(2, Text(window).Split('\n').Count(l => l == "#EXT-X-DISCONTINUITY"));
        window.Add(Segment(4)); // segment 1 (with its discontinuity) leaves
        Assert.Equal("1", Tag(Text(window), "#EXT-X-DISCONTINUITY-SEQUENCE"));
        Assert.Equal("2", Tag(Text(window), "#EXT-X-MEDIA-SEQUENCE"));
        Assert.Single(Text(window).Split('\n'), l => l == "#EXT-X-DISCONTINUITY");
        window.Add(Segment(5)); // segment 2 leaves: no tag, no change
        Assert.Equal("1", Tag(Text(window), "#EXT-X-DISCONTINUITY-SEQUENCE"));
        window.Add(Segment(6)); // segment 3 leaves
        Assert.Equal("2", Tag(Text(window), "#EXT-X-DISCONTINUITY-SEQUENCE"));
        Assert.DoesNotContain("#EXT-X-DISCONTINUITY\n", Text(window));
    }

    [Fact]
    public void End_adds_endlist_and_reopen_removes_it()
    {
        var window = new SegmentWindow(3, 3, 0);
        window.Add(Segment(0));
        window.End();
        Assert.EndsWith("#EXT-X-ENDLIST\n", Text(window));
        Assert.True(window.Snapshot.Ended);
        window.Reopen();
        Assert.DoesNotContain("ENDLIST", Text(window));
    }

    [Fact]
    public void Out_of_order_segment_is_refused()
    {
        var window = new SegmentWindow(3, 3, 0);
        Assert.Throws<ArgumentException>(() => window.Add(Segment(1)));
    }

    [Fact]
    public void Low_latency_playlists_written_part_by_part_equal_the_whole_playlist_written_at_once()
    {
        // Snapshots share the finished segments' text and write only what each part adds: at every step (parts,
        // segments, a discontinuity with a new init segment, longer segments raising the target duration, end and
        // reopen) its playlist and delta update must be the bytes the writer gives for the whole playlist.
        const int windowSegments = 12;
        var partTarget = TimeSpan.FromSeconds(0.333);
        var window = new SegmentWindow(windowSegments, 1, 50, partTarget);
        var pool = new SegmentBlockPool();
        var listed = new List<Segment>();
        var partNumber = window.FirstPartNumber;
        var checks = 0;

        void Check()
        {
            var snapshot = window.Snapshot;
            var entries = listed.TakeLast(windowSegments).Select(s => s.Entry).ToArray();
            var open = snapshot.Open;
            var parts = listed.TakeLast(windowSegments).TakeLast(SegmentWindow.SegmentsWithParts)
                .SelectMany(s => s.Parts.ToArray()).Concat(open is null ? Array.Empty<PartialSegment>() : open.Parts[..snapshot.OpenParts].ToArray())
                .Select(p => p.Entry).ToArray();
            var playlist = new MediaPlaylist(window.TargetDuration, entries[0].Sequence, DiscontinuitySequence(), snapshot.Ended, entries)
            {
                Parts = new PlaylistParts(partTarget, parts, open is null ? null : OpenEntry(open),
                    snapshot.Ended ? null : new PartEntry(0, 0, TimeSpan.Zero, false, snapshot.NextPartNumber),
                    TimeSpan.FromSeconds(6 * window.TargetDuration)),
            };
            Assert.Equal(Write(playlist), Encoding.UTF8.GetString(snapshot.Playlist.Span));
            var skipped = 0;
            var after = entries.Sum(e => e.Duration.TotalSeconds);
            foreach (var entry in entries)
            {
                after -= entry.Duration.TotalSeconds;
                if (after < 6 * window.TargetDuration - 1e-9)
                {
                    break;
                }
                skipped++;
            }
            Assert.Equal(Write(playlist with { SkippedSegments = skipped }), Encoding.UTF8.GetString(snapshot.DeltaPlaylist.Span));
            checks++;
        }

        long DiscontinuitySequence()
        {
            var left = listed.Count - windowSegments;
            return left <= 0 ? 0 : listed.Take(left).Count(s => s.Entry.Discontinuity);
        }

        PlaylistEntry OpenEntry(Segment open) => Entry(open.Sequence, 0);

        PlaylistEntry Entry(long sequence, double seconds) =>
            new(sequence, TimeSpan.FromSeconds(seconds), sequence == 58, Start.AddSeconds(sequence), sequence % 3 != 1, sequence >= 58 ? 2 : 1);

        for (long sequence = 50; sequence < 71; sequence++)
        {
            var segment = new Segment(sequence, pool);
            window.Open(segment, Entry(sequence, 0));
            var partCount = sequence == 52 ? 6 : 4; // one long segment raises TARGETDURATION to 2
            for (var index = 0; index < partCount; index++)
            {
                var part = new PartialSegment(segment, new PartEntry(sequence, index, TimeSpan.FromSeconds(0.3 + index / 1000.0), index == 0, partNumber++),
                    System.Buffers.ReadOnlySequence<byte>.Empty);
                if (index == partCount - 1)
                {
                    segment.AddPart(part); // the last part is listed with its segment
                    segment.Complete(Entry(sequence, 0.3 * partCount + 0.003), System.Buffers.ReadOnlySequence<byte>.Empty, null);
                    window.Add(segment);
                    listed.Add(segment);
                }
                else
                {
                    window.AddPart(part);
                }
                if (listed.Count > 0)
                {
                    Check();
                }
            }
            if (sequence == 55)
            {
                window.End();
                Check();
                window.Reopen();
                Check();
            }
        }
        Assert.Equal(2, window.TargetDuration);
        Assert.True(checks > 40);
        Assert.Contains("#EXT-X-SKIP:", Encoding.UTF8.GetString(window.Snapshot.DeltaPlaylist.Span));
    }

    private static string Write(MediaPlaylist playlist)
    {
        var output = new System.Buffers.ArrayBufferWriter<byte>();
        MediaPlaylistWriter.Write(output, playlist);
        return Encoding.UTF8.GetString(output.WrittenSpan);
    }
}
