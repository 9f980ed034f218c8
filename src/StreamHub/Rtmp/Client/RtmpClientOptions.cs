namespace StreamHub.Rtmp.Client;

/// <summary>How an <see cref="RtmpPublishClient"/> talks to a server, and the limits on what it accepts from it. A
/// client that plays (an edge pulling from its origin) is given the limits ingest applies to publishers
/// (<see cref="RtmpOptions"/>): the server's media is as large as a publisher's.</summary>
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

    /// <summary>The largest command or data message (AMF) accepted from the server.</summary>
    public int MaxCommandSize { get; init; } = int.MaxValue;

    /// <summary>The largest Set Chunk Size accepted from the server.</summary>
    public int MaxChunkSize { get; init; } = 0xFFFFFF;

    /// <summary>Chunk streams the server may have open at once.</summary>
    public int MaxChunkStreams { get; init; } = 64;

    /// <summary>How deep the server's AMF objects (command replies, onMetaData) may nest.</summary>
    public int MaxAmfDepth { get; init; } = 16;

    /// <summary>Values one AMF message from the server may hold, nested ones included.</summary>
    public int MaxAmfValues { get; init; } = 1024;

    /// <summary>The limits ingest applies to publishers, for a client that receives media.</summary>
    public static RtmpClientOptions ForMedia(RtmpOptions rtmp, TimeSpan replyTimeout, string flashVersion) => new()
    {
        ReplyTimeout = replyTimeout,
        FlashVersion = flashVersion,
        MaxMessageSize = rtmp.MaxMessageSize,
        MaxCommandSize = rtmp.MaxCommandSize,
        MaxChunkSize = rtmp.MaxChunkSize,
        MaxChunkStreams = rtmp.MaxChunkStreams,
        MaxAmfDepth = rtmp.MaxAmfDepth,
        MaxAmfValues = rtmp.MaxAmfValues,
    };
}
