namespace StreamHub.LoadTest;

/// <summary>How the fan-out players watch.</summary>
public enum FanOutProtocol
{
    /// <summary>RTMP play (<see cref="RtmpPlayer"/>).</summary>
    Rtmp,

    /// <summary>HTTP-FLV, <c>GET /flv/{name}.flv</c> (<see cref="FlvViewer"/>).</summary>
    HttpFlv,
}
