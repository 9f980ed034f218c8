namespace StreamHub.Rtmp.Session;

/// <summary>Where a connection is in the publish or play conversation.</summary>
public enum RtmpSessionState : byte
{
    Handshake,
    AwaitingConnect,
    Connected,
    Publishing,

    /// <summary>Playing a live stream back: the play loop writes its media.</summary>
    Playing,
    Closing,
}
