using System.Globalization;
using System.Text;

namespace StreamHub.Recording;

/// <summary>A recording as an HLS media playlist over the file itself: <c>EXT-X-MAP</c> is the init segment's byte
/// range, each segment a byte range of whole fragments (no copy, no second file). A finished recording is
/// <c>#EXT-X-PLAYLIST-TYPE:VOD</c> with <c>#EXT-X-ENDLIST</c>; one still being written is an <c>EVENT</c> playlist of
/// the fragments written so far.</summary>
public static class RecordingPlaylist
{
    /// <summary>Fragments are joined into segments of at least this long, each starting at a keyframe.</summary>
    public const double SegmentSeconds = 2.0;

    public static string Write(RecordingInfo info, string mediaUri, bool finished)
    {
        var segments = Segments(info.Fragments);
        var target = segments.Count == 0 ? 1 : (int)Math.Ceiling(segments.Max(s => s.Duration));
        var text = new StringBuilder(256 + segments.Count * 80);
        text.Append("#EXTM3U\n#EXT-X-VERSION:7\n");
        text.Append(finished ? "#EXT-X-PLAYLIST-TYPE:VOD\n" : "#EXT-X-PLAYLIST-TYPE:EVENT\n");
        text.Append("#EXT-X-INDEPENDENT-SEGMENTS\n");
        text.Append(CultureInfo.InvariantCulture, $"#EXT-X-TARGETDURATION:{Math.Max(target, 1)}\n#EXT-X-MEDIA-SEQUENCE:0\n");
        text.Append(CultureInfo.InvariantCulture, $"#EXT-X-MAP:URI=\"{mediaUri}\",BYTERANGE=\"{info.InitLength}@0\"\n");
        foreach (var (offset, length, duration) in segments)
        {
            text.Append(CultureInfo.InvariantCulture, $"#EXTINF:{duration:0.000},\n#EXT-X-BYTERANGE:{length}@{offset}\n{mediaUri}\n");
        }
        if (finished)
        {
            text.Append("#EXT-X-ENDLIST\n");
        }
        return text.ToString();
    }

    /// <summary>Contiguous runs of fragments, a new one at an independent fragment once the current one is long enough.</summary>
    public static List<(long Offset, long Length, double Duration)> Segments(IReadOnlyList<RecordingFragment> fragments)
    {
        var segments = new List<(long Offset, long Length, double Duration)>();
        var segmentStart = 0.0;
        foreach (var fragment in fragments)
        {
            if (segments.Count > 0 && !(fragment.Independent && segments[^1].Duration >= SegmentSeconds)
                && segments[^1].Offset + segments[^1].Length == fragment.Offset)
            {
                var last = segments[^1];
                segments[^1] = (last.Offset, last.Length + fragment.Length, fragment.Start + fragment.Duration - segmentStart);
            }
            else
            {
                segmentStart = fragment.Start;
                segments.Add((fragment.Offset, fragment.Length, fragment.Duration));
            }
        }
        return segments;
    }
}
