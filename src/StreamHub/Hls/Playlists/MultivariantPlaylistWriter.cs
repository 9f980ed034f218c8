using System.Globalization;
using System.Text;

namespace StreamHub.Hls.Playlists;

/// <summary>Writes a multivariant playlist (RFC 8216bis §4.4.6): what a player needs to know about a stream before
/// it fetches any segment (codecs, size, bit rate), then the media playlist.</summary>
public static class MultivariantPlaylistWriter
{
    /// <param name="version">EXT-X-VERSION, the media playlist's: a player that reads one reads both.</param>
    public static string Write(int version, Variant variant)
    {
        var invariant = CultureInfo.InvariantCulture;
        var text = new StringBuilder(256);
        text.Append(invariant, $"#EXTM3U\n#EXT-X-VERSION:{version}\n");
        // Every segment starts with a keyframe (segments are cut only at keyframes, or the log says otherwise).
        text.Append("#EXT-X-INDEPENDENT-SEGMENTS\n");
        text.Append(invariant, $"#EXT-X-STREAM-INF:BANDWIDTH={variant.Bandwidth}");
        if (variant.AverageBandwidth is { } average)
        {
            text.Append(invariant, $",AVERAGE-BANDWIDTH={average}");
        }
        if (variant.Codecs is { } codecs)
        {
            text.Append(invariant, $",CODECS=\"{codecs}\"");
        }
        if (variant is { Width: { } width, Height: { } height })
        {
            text.Append(invariant, $",RESOLUTION={width}x{height}");
        }
        if (variant.FrameRate is { } rate)
        {
            text.Append(invariant, $",FRAME-RATE={rate:0.000}");
        }
        text.Append('\n').Append(variant.Uri).Append('\n');
        return text.ToString();
    }
}
