using System.Buffers;
using System.Globalization;
using System.Text;

namespace StreamHub.Hls.Playlists;

/// <summary>Writes an HLS media playlist (RFC 8216 §4.3), version 3 (decimal EXTINF, MPEG-TS segments).
/// <list type="bullet">
/// <item>EXT-X-INDEPENDENT-SEGMENTS only when every listed segment starts with an IDR (or is audio).</item>
/// <item>EXT-X-PROGRAM-DATE-TIME (UTC, milliseconds) on the first entry and after every EXT-X-DISCONTINUITY.</item>
/// <item>EXT-X-ENDLIST once the publisher has stopped.</item>
/// </list>
/// The writer does not police TARGETDURATION: the segmenter cuts so that a rounded EXTINF never exceeds it.</summary>
public static class MediaPlaylistWriter
{
    public const string ContentType = "application/vnd.apple.mpegurl";

    public static void Write(IBufferWriter<byte> output, MediaPlaylist playlist)
    {
        var text = new StringBuilder(256 + playlist.Entries.Count * 96);
        var invariant = CultureInfo.InvariantCulture;
        text.Append("#EXTM3U\n#EXT-X-VERSION:3\n");
        text.Append(invariant, $"#EXT-X-TARGETDURATION:{playlist.TargetDuration}\n");
        text.Append(invariant, $"#EXT-X-MEDIA-SEQUENCE:{playlist.MediaSequence}\n");
        text.Append(invariant, $"#EXT-X-DISCONTINUITY-SEQUENCE:{playlist.DiscontinuitySequence}\n");
        if (playlist.Entries.Count > 0 && playlist.Entries.All(e => e.Independent))
        {
            text.Append("#EXT-X-INDEPENDENT-SEGMENTS\n");
        }
        for (var i = 0; i < playlist.Entries.Count; i++)
        {
            var entry = playlist.Entries[i];
            if (entry.Discontinuity)
            {
                text.Append("#EXT-X-DISCONTINUITY\n");
            }
            if (i == 0 || entry.Discontinuity)
            {
                text.Append(invariant, $"#EXT-X-PROGRAM-DATE-TIME:{entry.ProgramDateTime.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss.fff'Z'}\n");
            }
            text.Append(invariant, $"#EXTINF:{entry.Duration.TotalSeconds:F3},\n");
            text.Append(entry.Uri).Append('\n');
        }
        if (playlist.Ended)
        {
            text.Append("#EXT-X-ENDLIST\n");
        }
        Encoding.UTF8.GetBytes(text.ToString(), output);
    }
}
