namespace StreamHub.Diagnostics.Probe;

/// <summary>Where and why a probe stopped. The exit code tells scripts which stage failed.</summary>
public enum ProbeFailure
{
    None = 0,
    BadUrl = 2,
    NameResolution = 10,
    ConnectionRefused = 11,
    NoAnswer = 12,
    TlsFailed = 13,
    NotRtmp = 14,
    HandshakeFailed = 15,
    ConnectRejected = 16,
    TunnelFailed = 17,
}
