namespace StreamHub.Rtmp.Tunnel;

/// <summary>Why an RTMPT open was refused.</summary>
public enum TunnelRefusal
{
    None,

    /// <summary>StreamHub:Limits:MaxTunnels tunnels are open: 503.</summary>
    ServerFull,

    /// <summary>The client's address holds StreamHub:Limits:MaxTunnelsPerAddress tunnels: 429.</summary>
    AddressFull,
}
