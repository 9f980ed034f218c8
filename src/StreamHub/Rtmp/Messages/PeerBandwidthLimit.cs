namespace StreamHub.Rtmp.Messages;

/// <summary>Set Peer Bandwidth limit type (RTMP 1.0 §5.4.5).</summary>
public enum PeerBandwidthLimit : byte
{
    Hard = 0,
    Soft = 1,
    Dynamic = 2,
}
