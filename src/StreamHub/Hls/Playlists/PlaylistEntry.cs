namespace StreamHub.Hls.Playlists;

/// <summary>One media segment as a playlist lists it.</summary>
/// <param name="Sequence">Its media sequence number; the URI is <c>s{Sequence}.ts</c>.</param>
/// <param name="Duration">Its exact duration (EXTINF, 3 decimals).</param>
/// <param name="Discontinuity">Preceded by EXT-X-DISCONTINUITY (publisher restart or timestamp jump).</param>
/// <param name="ProgramDateTime">Wall-clock time of its first sample.</param>
/// <param name="Independent">It starts with an IDR (or is audio only), so it decodes on its own.</param>
public readonly record struct PlaylistEntry(long Sequence, TimeSpan Duration, bool Discontinuity, DateTimeOffset ProgramDateTime, bool Independent)
{
    public string Uri => SegmentUri(Sequence);

    public static string SegmentUri(long sequence) => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"s{sequence}.ts");
}
