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
}
