using System.Globalization;

namespace StreamHub.Hls.Playlists;

/// <summary>One media segment as a playlist lists it.</summary>
/// <param name="Sequence">Its media sequence number; the URI is <c>s{Sequence}.ts</c>, or <c>s{Sequence}.m4s</c> in
/// fMP4.</param>
/// <param name="Duration">Its exact duration (EXTINF, 3 decimals).</param>
/// <param name="Discontinuity">Preceded by EXT-X-DISCONTINUITY (publisher restart or timestamp jump).</param>
/// <param name="ProgramDateTime">Wall-clock time of its first sample.</param>
/// <param name="Independent">It starts with an IDR (or is audio only), so it decodes on its own.</param>
/// <param name="InitVersion">The init segment (EXT-X-MAP, <c>init{InitVersion}.mp4</c>) an fMP4 segment needs; 0 for
/// MPEG-TS.</param>
public readonly record struct PlaylistEntry(long Sequence, TimeSpan Duration, bool Discontinuity, DateTimeOffset ProgramDateTime, bool Independent,
    int InitVersion = 0)
{
    public string Uri => InitVersion == 0 ? SegmentUri(Sequence) : SegmentUri(Sequence, "m4s");

    public static string SegmentUri(long sequence, string extension = "ts") =>
        string.Create(CultureInfo.InvariantCulture, $"s{sequence}.{extension}");

    public static string InitUri(int version) => string.Create(CultureInfo.InvariantCulture, $"init{version}.mp4");
}
