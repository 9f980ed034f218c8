namespace StreamHub.Hls;

/// <summary>A stream's HLS side as the stats API shows it.</summary>
/// <param name="Viewers">Distinct players that fetched the playlist in the last 10 s.</param>
/// <param name="SegmentsProduced">Segments made since the stream's HLS state began (null when it has none).</param>
public sealed record HlsStats(int Viewers, long? SegmentsProduced)
{
    public static HlsStats For(string name, HlsPackager packager, HlsViewers viewers) => new(viewers.Count(name), packager.SegmentsProduced(name));
}
