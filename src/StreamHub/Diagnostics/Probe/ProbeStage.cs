namespace StreamHub.Diagnostics.Probe;

/// <summary>The stages a connection from an encoder goes through, in order.</summary>
public enum ProbeStage
{
    Resolve,
    Connect,
    Tls,
    Handshake,
    ConnectApp,
}
