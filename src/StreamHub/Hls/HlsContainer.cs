namespace StreamHub.Hls;

/// <summary>What HLS segments are written in.</summary>
public enum HlsContainer
{
    /// <summary>Fragmented MP4 (CMAF): <c>init{n}.mp4</c> and <c>s{n}.m4s</c>, parts <c>p{n}.m4s</c>.</summary>
    Fmp4,

    /// <summary>MPEG-TS: <c>s{n}.ts</c>.</summary>
    Ts,
}
