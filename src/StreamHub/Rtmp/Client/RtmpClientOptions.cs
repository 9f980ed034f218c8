namespace StreamHub.Rtmp.Client;

/// <summary>How an <see cref="RtmpPublishClient"/> talks to a server.</summary>
public sealed class RtmpClientOptions
{
    /// <summary>The longest any one wait for the server may take: the TCP connection, the handshake answer, each
    /// command reply, and the conversation's own writes. Media writes are bounded by the caller's cancellation token.</summary>
    public TimeSpan ReplyTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The flashVer sent with connect; servers show it as the encoder.</summary>
    public string FlashVersion { get; init; } = "FMLE/3.0 (compatible; StreamHub)";

    /// <summary>The largest message accepted from the server. A publisher receives control messages and command
    /// replies only, so this is small.</summary>
    public int MaxMessageSize { get; init; } = 1024 * 1024;
}
