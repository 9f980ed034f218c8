namespace StreamHub.Rtmp.Client;

/// <summary>Where an <see cref="RtmpPublishClient"/> is in the publish conversation. Each step moves it on only once
/// the server has accepted it.</summary>
public enum RtmpPublishClientState : byte
{
    /// <summary>Nothing exchanged yet.</summary>
    Handshake,

    /// <summary>The handshake is done; connect has not been accepted yet.</summary>
    AwaitingConnect,

    /// <summary>connect was accepted; no stream is published.</summary>
    Connected,

    /// <summary>publish was accepted (NetStream.Publish.Start): media may be written.</summary>
    Publishing,

    /// <summary>play was accepted (NetStream.Play.Start): the server's media is read with ReadMessageAsync.</summary>
    Playing,
}
