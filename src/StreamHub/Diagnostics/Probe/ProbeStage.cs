namespace StreamHub.Diagnostics.Probe;

/// <summary>The stages a connection from an encoder goes through, in order.</summary>
public enum ProbeStage
{
    Resolve,
    Connect,
    Tls,

    /// <summary>RTMPT only: POST /open/1 answered with a tunnel id.</summary>
    TunnelOpen,

    Handshake,
    ConnectApp,
}
