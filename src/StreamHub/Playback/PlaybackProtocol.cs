namespace StreamHub.Playback;

/// <summary>How a player receives a live stream (HLS viewers are counted by the HLS packager's own table).</summary>
public enum PlaybackProtocol
{
    /// <summary>RTMP playback: on the RTMP port, sniffed on the web ports, RTMPS or RTMPT.</summary>
    Rtmp,

    /// <summary>FLV over one HTTP response (<c>/flv/{name}.flv</c>).</summary>
    HttpFlv,
}
