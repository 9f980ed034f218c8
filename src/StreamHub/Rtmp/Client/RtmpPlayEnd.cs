namespace StreamHub.Rtmp.Client;

/// <summary>How a play from a server ended without an error.</summary>
public enum RtmpPlayEnd : byte
{
    /// <summary>The server said the stream stopped: NetStream.Play.UnpublishNotify or .Stop, or StreamEOF.</summary>
    Unpublished,

    /// <summary>The server closed the connection.</summary>
    ConnectionClosed,
}
