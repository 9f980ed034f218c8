using System.Buffers;
using System.Globalization;
using System.Text;

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
/// The writer does not police TARGETDURATION: the segmenter cuts so that a rounded EXTINF never exceeds it.</summary>
public static class MediaPlaylistWriter
{
    public const string ContentType = "application/vnd.apple.mpegurl";

    public static void Write(IBufferWriter<byte> output, MediaPlaylist playlist)
    {
        var text = new StringBuilder(256 + playlist.Entries.Count * 96 + (playlist.Parts?.Parts.Count ?? 0) * 64);
        var invariant = CultureInfo.InvariantCulture;
        var parts = playlist.Parts;
        var fmp4 = playlist.Entries.Any(e => e.InitVersion != 0) || parts?.Open is { InitVersion: not 0 };
        var version = parts is not null ? 9 : fmp4 ? 7 : 3;
        text.Append(invariant, $"#EXTM3U\n#EXT-X-VERSION:{version}\n");
        text.Append(invariant, $"#EXT-X-TARGETDURATION:{playlist.TargetDuration}\n");
        if (parts is not null)
        {
            text.Append(invariant, $"#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,CAN-SKIP-UNTIL={parts.CanSkipUntil.TotalSeconds:0.###},PART-HOLD-BACK={parts.PartHoldBack.TotalSeconds:0.###}\n");
            text.Append(invariant, $"#EXT-X-PART-INF:PART-TARGET={parts.PartTarget.TotalSeconds:0.#####}\n");
        }
        text.Append(invariant, $"#EXT-X-MEDIA-SEQUENCE:{playlist.MediaSequence}\n");
        text.Append(invariant, $"#EXT-X-DISCONTINUITY-SEQUENCE:{playlist.DiscontinuitySequence}\n");
        if (playlist.Entries.Count > 0 && playlist.Entries.All(e => e.Independent))
        {
            text.Append("#EXT-X-INDEPENDENT-SEGMENTS\n");
        }
        var skipped = Math.Clamp(playlist.SkippedSegments, 0, playlist.Entries.Count);
        if (skipped > 0)
        {
            text.Append(invariant, $"#EXT-X-SKIP:SKIPPED-SEGMENTS={skipped}\n");
        }
        var map = 0;
        var partIndex = 0;
        for (var i = skipped; i < playlist.Entries.Count; i++)
        {
            var entry = playlist.Entries[i];
            WriteTags(text, entry, first: i == skipped || parts is not null, ref map);
            if (parts is not null)
            {
                partIndex = WriteParts(text, parts.Parts, partIndex, entry.Sequence);
            }
            text.Append(invariant, $"#EXTINF:{entry.Duration.TotalSeconds:F3},\n");
            text.Append(entry.Uri).Append('\n');
        }
        if (parts is not null)
        {
            if (parts.Open is { } open)
            {
                WriteTags(text, open, first: true, ref map);
                WriteParts(text, parts.Parts, partIndex, open.Sequence);
            }
            if (parts.PreloadHint is { } hint)
            {
                text.Append(invariant, $"#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"{hint.Uri}\"\n");
            }
        }
        if (playlist.Ended)
        {
            text.Append("#EXT-X-ENDLIST\n");
        }
        Encoding.UTF8.GetBytes(text.ToString(), output);
    }

    private static void WriteTags(StringBuilder text, PlaylistEntry entry, bool first, ref int map)
    {
        var invariant = CultureInfo.InvariantCulture;
        if (entry.Discontinuity)
        {
            text.Append("#EXT-X-DISCONTINUITY\n");
        }
        if (entry.InitVersion != 0 && entry.InitVersion != map)
        {
            map = entry.InitVersion;
            text.Append(invariant, $"#EXT-X-MAP:URI=\"{PlaylistEntry.InitUri(map)}\"\n");
        }
        if (first || entry.Discontinuity)
        {
            text.Append(invariant, $"#EXT-X-PROGRAM-DATE-TIME:{entry.ProgramDateTime.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss.fff'Z'}\n");
        }
    }

    /// <summary>Writes the parts of segment <paramref name="sequence"/> from <paramref name="from"/> on; returns the
    /// index after them.</summary>
    private static int WriteParts(StringBuilder text, IReadOnlyList<PartEntry> parts, int from, long sequence)
    {
        var invariant = CultureInfo.InvariantCulture;
        while (from < parts.Count && parts[from].Sequence < sequence)
        {
            from++;
        }
        for (; from < parts.Count && parts[from].Sequence == sequence; from++)
        {
            var part = parts[from];
            text.Append(invariant, $"#EXT-X-PART:DURATION={part.Duration.TotalSeconds:0.00000},URI=\"{part.Uri}\"");
            text.Append(part.Independent ? ",INDEPENDENT=YES\n" : "\n");
        }
        return from;
    }
}
