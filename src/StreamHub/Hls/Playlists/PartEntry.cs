using System.Globalization;

namespace StreamHub.Hls.Playlists;

/// <summary>One part of a segment as a low-latency playlist lists it (EXT-X-PART).</summary>
/// <param name="Sequence">The media sequence number of its segment.</param>
/// <param name="Index">Its place in the segment, from 0.</param>
/// <param name="Duration">Its exact duration.</param>
/// <param name="Independent">It starts with a keyframe (or is audio only): INDEPENDENT=YES.</param>
/// <param name="Number">Its number among all the stream's parts, which names it (<c>p{Number}.m4s</c>): the part after
/// the last one is the next number whether it continues the segment or starts the next, so a preload hint always names
/// a part that will exist.</param>
public readonly record struct PartEntry(long Sequence, int Index, TimeSpan Duration, bool Independent, long Number)
{
    public string Uri => PartUri(Number);

    public static string PartUri(long number) => string.Create(CultureInfo.InvariantCulture, $"p{number}.m4s");
}
