using System.Buffers;
using System.Text;
using StreamHub.Hls.Playlists;

namespace StreamHub.Tests.Hls.Playlists;

public sealed class MediaPlaylistWriterTests
{
    private static readonly DateTimeOffset Start = new(2025, 5, 1, 12, 0, 0, TimeSpan.Zero);

    private static string Write(MediaPlaylist playlist)
    {
        var output = new ArrayBufferWriter<byte>();
        MediaPlaylistWriter.Write(output, playlist);
        return Encoding.UTF8.GetString(output.WrittenSpan);
    }

    private static PlaylistEntry Entry(long sequence, double seconds, bool discontinuity = false, bool independent = true, double at = 0) =>
        new(sequence, TimeSpan.FromSeconds(seconds), discontinuity, Start.AddSeconds(at), independent);

    [Fact]
    public void Writes_the_protocol_notes_example()
    {
        var text = Write(new MediaPlaylist(4, 1207, 3, false,
        [
            Entry(1207, 4.0),
            Entry(1208, 3.967, discontinuity: true, at: 9.512),
        ]));
        Assert.Equal(
            "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:4\n#EXT-X-MEDIA-SEQUENCE:1207\n#EXT-X-DISCONTINUITY-SEQUENCE:3\n" +
            "#EXT-X-INDEPENDENT-SEGMENTS\n" +
            "#EXT-X-PROGRAM-DATE-TIME:2025-05-01T12:00:00.000Z\n#EXTINF:4.000,\ns1207.ts\n" +
            "#EXT-X-DISCONTINUITY\n#EXT-X-PROGRAM-DATE-TIME:2025-05-01T12:00:09.512Z\n#EXTINF:3.967,\ns1208.ts\n",
            text);
    }

    [Fact]
    public void Program_date_time_only_on_first_entry_and_after_discontinuities()
    {
        var text = Write(new MediaPlaylist(3, 10, 0, false,
            [Entry(10, 2), Entry(11, 2, at: 2), Entry(12, 2, discontinuity: true, at: 30.25), Entry(13, 2, at: 32.25)]));
        var lines = text.Split('\n');
        Assert.Equal(2, lines.Count(l => l.StartsWith("#EXT-X-PROGRAM-DATE-TIME:", StringComparison.Ordinal)));
        var discontinuity = Array.IndexOf(lines, "#EXT-X-DISCONTINUITY");
        Assert.Equal("#EXT-X-PROGRAM-DATE-TIME:2025-05-01T12:00:30.250Z", lines[discontinuity + 1]);
        Assert.Equal("s12.ts", lines[discontinuity + 3]);
    }

    [Fact]
    public void Independent_segments_only_when_every_entry_is_independent()
    {
        Assert.Contains("#EXT-X-INDEPENDENT-SEGMENTS\n", Write(new MediaPlaylist(3, 0, 0, false, [Entry(0, 2), Entry(1, 2)])));
        Assert.DoesNotContain("INDEPENDENT", Write(new MediaPlaylist(3, 0, 0, false, [Entry(0, 2), Entry(1, 3, independent: false)])));
    }

    [Fact]
    public void Endlist_only_when_ended()
    {
        Assert.EndsWith("s0.ts\n#EXT-X-ENDLIST\n", Write(new MediaPlaylist(3, 0, 0, true, [Entry(0, 2)])));
        Assert.DoesNotContain("ENDLIST", Write(new MediaPlaylist(3, 0, 0, false, [Entry(0, 2)])));
    }

    [Fact]
    public void Extinf_has_three_decimals_in_invariant_culture()
    {
        var previous = Thread.CurrentThread.CurrentCulture;
        try
        {
            Thread.CurrentThread.CurrentCulture = new System.Globalization.CultureInfo("fr-FR");
            Assert.Contains("#EXTINF:2.085,\ns5.ts\n", Write(new MediaPlaylist(3, 5, 0, false, [Entry(5, 2.0853)])));
        }
        finally
        {
            Thread.CurrentThread.CurrentCulture = previous;
        }
    }

    [Fact]
    public void Low_latency_playlist_lists_parts_before_their_segment_then_the_open_segment_and_its_hint()
    {
        static PlaylistEntry Fmp4(long sequence, double seconds, double at, int init = 1, bool discontinuity = false) =>
            new(sequence, TimeSpan.FromSeconds(seconds), discontinuity, Start.AddSeconds(at), true, init);
        static PartEntry Part(long sequence, int index, double seconds, long number, bool independent = false) =>
            new(sequence, index, TimeSpan.FromSeconds(seconds), independent, number);
        var playlist = new MediaPlaylist(1, 20, 0, false, [Fmp4(20, 1.0, 0), Fmp4(21, 0.96, 1)])
        {
            Parts = new PlaylistParts(TimeSpan.FromSeconds(0.333),
                [Part(21, 0, 0.32, 2100, independent: true), Part(21, 1, 0.32, 2101), Part(21, 2, 0.32, 2102), Part(22, 0, 0.32, 2103, independent: true)],
                Fmp4(22, 0, 1.96, init: 2, discontinuity: true), Part(22, 1, 0, 2104), TimeSpan.FromSeconds(6)),
        };

        Assert.Equal(
            "#EXTM3U\n#EXT-X-VERSION:9\n#EXT-X-TARGETDURATION:1\n" +
            "#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,CAN-SKIP-UNTIL=6,PART-HOLD-BACK=0.999\n#EXT-X-PART-INF:PART-TARGET=0.333\n" +
            "#EXT-X-MEDIA-SEQUENCE:20\n#EXT-X-DISCONTINUITY-SEQUENCE:0\n#EXT-X-INDEPENDENT-SEGMENTS\n" +
            "#EXT-X-MAP:URI=\"init1.mp4\"\n#EXT-X-PROGRAM-DATE-TIME:2025-05-01T12:00:00.000Z\n#EXTINF:1.000,\ns20.m4s\n" +
            "#EXT-X-PROGRAM-DATE-TIME:2025-05-01T12:00:01.000Z\n" +
            "#EXT-X-PART:DURATION=0.32000,URI=\"p2100.m4s\",INDEPENDENT=YES\n#EXT-X-PART:DURATION=0.32000,URI=\"p2101.m4s\"\n" +
            "#EXT-X-PART:DURATION=0.32000,URI=\"p2102.m4s\"\n#EXTINF:0.960,\ns21.m4s\n" +
            "#EXT-X-DISCONTINUITY\n#EXT-X-MAP:URI=\"init2.mp4\"\n#EXT-X-PROGRAM-DATE-TIME:2025-05-01T12:00:01.960Z\n" +
            "#EXT-X-PART:DURATION=0.32000,URI=\"p2103.m4s\",INDEPENDENT=YES\n" +
            "#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"p2104.m4s\"\n",
            Write(playlist));

        var delta = Write(playlist with { SkippedSegments = 1 });
        Assert.Contains("#EXT-X-DISCONTINUITY-SEQUENCE:0\n#EXT-X-INDEPENDENT-SEGMENTS\n#EXT-X-SKIP:SKIPPED-SEGMENTS=1\n" +
            "#EXT-X-MAP:URI=\"init1.mp4\"\n#EXT-X-PROGRAM-DATE-TIME:2025-05-01T12:00:01.000Z\n#EXT-X-PART:", delta);
        Assert.DoesNotContain("s20.m4s", delta);
    }
}
