namespace StreamHub.Security;

/// <summary>What a connection is, for the per-address limits: each kind has its own.</summary>
public enum ConnectionKind
{
    /// <summary>RTMP or RTMPS, on its own port or found on a web port.</summary>
    Rtmp,

    /// <summary>HTTP or HTTPS.</summary>
    Http,

    /// <summary>An RTMPT tunnel (RTMP in HTTP POSTs), counted apart from the HTTP connections that carry it.</summary>
    Tunnel,
}
