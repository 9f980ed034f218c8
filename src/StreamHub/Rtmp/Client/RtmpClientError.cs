namespace StreamHub.Rtmp.Client;

/// <summary>Why the publish conversation with a server failed. One value per distinct failure, so a relay's log line
/// says what to check.</summary>
public enum RtmpClientError
{
    /// <summary>The server did not answer within <see cref="RtmpClientOptions.ReplyTimeout"/>: no TCP connection, no
    /// handshake answer, or no reply to a command.</summary>
    Timeout,

    /// <summary>The server closed the connection before answering.</summary>
    ConnectionClosed,

    /// <summary>The server's bytes broke the RTMP protocol (a handshake version other than 3, a malformed chunk or
    /// command); the <see cref="RtmpProtocolException"/> is the inner exception.</summary>
    ProtocolViolation,

    /// <summary>connect was answered with _error (NetConnection.Connect.Rejected: a wrong application, a refused
    /// address).</summary>
    ConnectRejected,

    /// <summary>createStream was answered with _error, or with no usable stream id.</summary>
    CreateStreamFailed,

    /// <summary>publish was answered with an error onStatus (NetStream.Publish.BadName, NetStream.Publish.Denied).</summary>
    PublishRefused,

    /// <summary>play was answered with an error onStatus (NetStream.Play.StreamNotFound, NetStream.Play.Failed).</summary>
    PlayRefused,

    /// <summary>The TLS handshake of an rtmps:// connection failed (the port does not speak TLS, no common protocol,
    /// the connection dropped during it).</summary>
    TlsFailed,

    /// <summary>The server's TLS certificate is not trusted by this machine (self-signed, expired, another name) and
    /// the connection was not told to accept it.</summary>
    CertificateNotTrusted,

    /// <summary>An RTMPT tunnel could not be opened: POST /open/1 was answered with an HTTP error, or without a
    /// tunnel id (the HTTP server does not speak RTMPT).</summary>
    TunnelRefused,
}
