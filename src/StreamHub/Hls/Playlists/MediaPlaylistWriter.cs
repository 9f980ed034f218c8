using System.Buffers;
using System.Globalization;
using System.Text.Unicode;

namespace StreamHub.Hls.Playlists;

/// <summary>Writes an HLS media playlist (RFC 8216 §4.3; low-latency tags from RFC 8216bis): version 3 for MPEG-TS
/// segments, 7 with fMP4 (EXT-X-MAP), 9 with parts (EXT-X-SKIP in delta updates needs it).
/// <list type="bullet">
/// <item>EXT-X-INDEPENDENT-SEGMENTS only when every listed segment starts with an IDR (or is audio).</item>
/// <item>EXT-X-MAP before the first fMP4 segment and wherever the init segment changes.</item>
/// <item>EXT-X-PROGRAM-DATE-TIME (UTC, milliseconds) on the first entry and after every EXT-X-DISCONTINUITY; with
/// parts, on every segment (players that map the live edge to the wall clock read it from the segment they play).</item>
/// <item>With parts: EXT-X-SERVER-CONTROL (blocking reload, delta updates, PART-HOLD-BACK), EXT-X-PART-INF, EXT-X-PART
/// before the segment each part belongs to, the parts of the segment being written after the last EXTINF, and
/// EXT-X-PRELOAD-HINT for the part being written.</item>
/// <item>EXT-X-ENDLIST once the publisher has stopped.</item>
/// </list>
/// The writer does not police TARGETDURATION: the segmenter cuts so that a rounded EXTINF never exceeds it.
/// <para>Text goes straight to UTF-8 (no strings, no LINQ): a low-latency playlist changes with every part, three
/// times a second per stream. <see cref="Write"/> writes a whole playlist; the pieces it is made of are public so that
/// the finished segments' text is written once per segment (<see cref="Segmenting.PlaylistHead"/>) and each playlist
/// version adds only the segment being written, with the same bytes.</para></summary>
public static class MediaPlaylistWriter
{
    public const string ContentType = "application/vnd.apple.mpegurl";

    /// <summary>Longer than any one line written here: the longest is EXT-X-SERVER-CONTROL (about 90 bytes).</summary>
    private const int MaxLine = 160;

    public static void Write(IBufferWriter<byte> output, MediaPlaylist playlist)
    {
        var parts = playlist.Parts;
        var fmp4 = parts?.Open is { InitVersion: not 0 };
        var independent = playlist.Entries.Count > 0;
        foreach (var entry in playlist.Entries)
        {
            fmp4 |= entry.InitVersion != 0;
            independent &= entry.Independent;
        }
        var skipped = Math.Clamp(playlist.SkippedSegments, 0, playlist.Entries.Count);
        WriteHeader(output, Version(fmp4, parts is not null), playlist.TargetDuration, parts?.PartTarget, parts?.CanSkipUntil ?? TimeSpan.Zero,
            playlist.MediaSequence, playlist.DiscontinuitySequence, independent, skipped);
        var map = 0;
        var partIndex = 0;
        for (var i = skipped; i < playlist.Entries.Count; i++)
        {
            var entry = playlist.Entries[i];
            WriteSegmentTags(output, entry, programDateTime: i == skipped || parts is not null, ref map);
            if (parts is not null)
            {
                partIndex = WriteParts(output, parts.Parts, partIndex, entry.Sequence);
            }
            WriteSegmentLine(output, entry);
        }
        if (parts is not null)
        {
            if (parts.Open is { } open)
            {
                WriteSegmentTags(output, open, programDateTime: true, ref map);
                WriteParts(output, parts.Parts, partIndex, open.Sequence);
            }
            if (parts.PreloadHint is { } hint)
            {
                WritePreloadHint(output, hint.Number);
            }
        }
        if (playlist.Ended)
        {
            WriteEndList(output);
        }
    }

    /// <summary>EXT-X-VERSION: 9 with parts, 7 with fMP4, else 3.</summary>
    public static int Version(bool fmp4, bool parts) => parts ? 9 : fmp4 ? 7 : 3;

    /// <summary>Everything before the first segment: version, target duration, the low-latency tags when
    /// <paramref name="partTarget"/> is given, sequence numbers, EXT-X-INDEPENDENT-SEGMENTS, and EXT-X-SKIP when a
    /// delta update leaves <paramref name="skippedSegments"/> out.</summary>
    public static void WriteHeader(IBufferWriter<byte> output, int version, int targetDuration, TimeSpan? partTarget, TimeSpan canSkipUntil,
        long mediaSequence, long discontinuitySequence, bool independentSegments, int skippedSegments)
    {
        var invariant = CultureInfo.InvariantCulture;
        Line(output, Utf8.TryWrite(output.GetSpan(MaxLine), invariant, $"#EXTM3U\n#EXT-X-VERSION:{version}\n", out var written), written);
        Line(output, Utf8.TryWrite(output.GetSpan(MaxLine), invariant, $"#EXT-X-TARGETDURATION:{targetDuration}\n", out written), written);
        if (partTarget is { } part)
        {
            Line(output, Utf8.TryWrite(output.GetSpan(MaxLine), invariant,
                $"#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,CAN-SKIP-UNTIL={canSkipUntil.TotalSeconds:0.###},PART-HOLD-BACK={(part * 3).TotalSeconds:0.###}\n",
                out written), written);
            Line(output, Utf8.TryWrite(output.GetSpan(MaxLine), invariant, $"#EXT-X-PART-INF:PART-TARGET={part.TotalSeconds:0.#####}\n", out written), written);
        }
        Line(output, Utf8.TryWrite(output.GetSpan(MaxLine), invariant, $"#EXT-X-MEDIA-SEQUENCE:{mediaSequence}\n", out written), written);
        Line(output, Utf8.TryWrite(output.GetSpan(MaxLine), invariant, $"#EXT-X-DISCONTINUITY-SEQUENCE:{discontinuitySequence}\n", out written), written);
        if (independentSegments)
        {
            output.Write("#EXT-X-INDEPENDENT-SEGMENTS\n"u8);
        }
        if (skippedSegments > 0)
        {
            Line(output, Utf8.TryWrite(output.GetSpan(MaxLine), invariant, $"#EXT-X-SKIP:SKIPPED-SEGMENTS={skippedSegments}\n", out written), written);
        }
    }

    /// <summary>The tags before a segment (or before the parts of the segment being written): EXT-X-DISCONTINUITY,
    /// EXT-X-MAP when its init segment differs from <paramref name="map"/> (which it then becomes), and
    /// EXT-X-PROGRAM-DATE-TIME when asked for or after a discontinuity.</summary>
    public static void WriteSegmentTags(IBufferWriter<byte> output, in PlaylistEntry entry, bool programDateTime, ref int map)
    {
        var invariant = CultureInfo.InvariantCulture;
        if (entry.Discontinuity)
        {
            output.Write("#EXT-X-DISCONTINUITY\n"u8);
        }
        int written;
        if (entry.InitVersion != 0 && entry.InitVersion != map)
        {
            map = entry.InitVersion;
            Line(output, Utf8.TryWrite(output.GetSpan(MaxLine), invariant, $"#EXT-X-MAP:URI=\"init{map}.mp4\"\n", out written), written);
        }
        if (programDateTime || entry.Discontinuity)
        {
            Line(output, Utf8.TryWrite(output.GetSpan(MaxLine), invariant,
                $"#EXT-X-PROGRAM-DATE-TIME:{entry.ProgramDateTime.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss.fff'Z'}\n", out written), written);
        }
    }

    /// <summary>EXTINF and the URI: the lines that end a segment's entry.</summary>
    public static void WriteSegmentLine(IBufferWriter<byte> output, in PlaylistEntry entry)
    {
        var extension = entry.InitVersion == 0 ? "ts" : "m4s";
        Line(output, Utf8.TryWrite(output.GetSpan(MaxLine), CultureInfo.InvariantCulture,
            $"#EXTINF:{entry.Duration.TotalSeconds:F3},\ns{entry.Sequence}.{extension}\n", out var written), written);
    }

    /// <summary>One EXT-X-PART line.</summary>
    public static void WritePart(IBufferWriter<byte> output, in PartEntry part)
    {
        Line(output, Utf8.TryWrite(output.GetSpan(MaxLine), CultureInfo.InvariantCulture,
            $"#EXT-X-PART:DURATION={part.Duration.TotalSeconds:0.00000},URI=\"p{part.Number}.m4s\"", out var written), written);
        output.Write(part.Independent ? ",INDEPENDENT=YES\n"u8 : "\n"u8);
    }

    /// <summary>EXT-X-PRELOAD-HINT for part <paramref name="number"/>.</summary>
    public static void WritePreloadHint(IBufferWriter<byte> output, long number) =>
        Line(output, Utf8.TryWrite(output.GetSpan(MaxLine), CultureInfo.InvariantCulture,
            $"#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"p{number}.m4s\"\n", out var written), written);

    public static void WriteEndList(IBufferWriter<byte> output) => output.Write("#EXT-X-ENDLIST\n"u8);

    /// <summary>Writes the parts of segment <paramref name="sequence"/> from <paramref name="from"/> on; returns the
    /// index after them.</summary>
    private static int WriteParts(IBufferWriter<byte> output, IReadOnlyList<PartEntry> parts, int from, long sequence)
    {
        while (from < parts.Count && parts[from].Sequence < sequence)
        {
            from++;
        }
        for (; from < parts.Count && parts[from].Sequence == sequence; from++)
        {
            WritePart(output, parts[from]);
        }
        return from;
    }

    private static void Line(IBufferWriter<byte> output, bool fitted, int written)
    {
        if (!fitted)
        {
            throw new InvalidOperationException($"A playlist line is longer than {MaxLine} bytes.");
        }
        output.Advance(written);
    }
}
