namespace StreamHub.Rtmp.Session;

/// <summary>Where a connection is in the publish conversation.</summary>
public enum RtmpSessionState : byte
{
    Handshake,
    AwaitingConnect,
    Connected,
    Publishing,
    Closing,
}
