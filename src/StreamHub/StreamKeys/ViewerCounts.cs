using StreamHub.Playback;

namespace StreamHub.StreamKeys;

/// <summary>Who watches a stream now, by how they receive it.</summary>
/// <param name="Hls">Distinct HLS players that fetched the playlist in the last 10 s (the same number as
/// <c>hls.viewers</c>).</param>
/// <param name="Rtmp">RTMP players connected now (on the RTMP port, the web ports, RTMPS or RTMPT).</param>
/// <param name="HttpFlv">HTTP-FLV players connected now (<c>/flv/{name}.flv</c>).</param>
public sealed record ViewerCounts(int Hls, int Rtmp, int HttpFlv)
{
    /// <summary>All three together.</summary>
    public int Total => Hls + Rtmp + HttpFlv;

    public static ViewerCounts From(int hls, PlayerCounts players) => new(hls, players.Rtmp, players.HttpFlv);
}
