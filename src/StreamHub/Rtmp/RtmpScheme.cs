namespace StreamHub.Rtmp;

/// <summary>How an RTMP session reaches the server, as the URL scheme a client uses for it; the session is the same
/// on every one.</summary>
public enum RtmpScheme
{
    /// <summary>Plain TCP: the RTMP port, or RTMP sniffed on the HTTP port.</summary>
    Rtmp,

    /// <summary>TLS: the RTMPS port, or RTMP sniffed on the HTTPS port.</summary>
    Rtmps,

    /// <summary>Tunnelled in HTTP POSTs (<see cref="Tunnel.RtmptEndpoints"/>).</summary>
    Rtmpt,

    /// <summary>Tunnelled in HTTPS POSTs.</summary>
    Rtmpts,
}
