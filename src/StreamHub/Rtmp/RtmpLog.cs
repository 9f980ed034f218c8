namespace StreamHub.Rtmp;

/// <summary>Every RTMP log line. Each carries the connection id; publish lines carry the stream's public name and
/// never the key.</summary>
internal static partial class RtmpLog
{
    [LoggerMessage(Level = LogLevel.Warning, Message = "RTMP connection {ConnectionId} from {RemoteAddress} broke the protocol ({Error}): {Detail}; closing")]
    public static partial void ProtocolViolation(ILogger logger, string connectionId, string remoteAddress, RtmpError error, string detail);

    [LoggerMessage(Level = LogLevel.Warning, Message = "RTMP connection {ConnectionId} from {RemoteAddress} not read for {Seconds} s while its bytes wait in the socket: the server is overloaded (CPU), not the peer silent; keeping the connection")]
    public static partial void BehindNotIdle(ILogger logger, string connectionId, string remoteAddress, int seconds);

    [LoggerMessage(Level = LogLevel.Debug, Message = "RTMP connection {ConnectionId} handshake answered ({Scheme})")]
    public static partial void HandshakeDone(ILogger logger, string connectionId, Handshake.HandshakeScheme scheme);

    [LoggerMessage(Level = LogLevel.Information, Message = "RTMP connection {ConnectionId} RTMPE handshake done ({Scheme}): RC4 in both directions from here on")]
    public static partial void RtmpeHandshakeDone(ILogger logger, string connectionId, Handshake.HandshakeScheme scheme);

    [LoggerMessage(Level = LogLevel.Information, Message = "RTMP connection {ConnectionId} from {RemoteAddress} connected to application {Application} ({Encoder})")]
    public static partial void Connected(ILogger logger, string connectionId, string remoteAddress, string application, string? encoder);

    [LoggerMessage(Level = LogLevel.Warning, Message = "RTMP connection {ConnectionId} from {RemoteAddress} refused at connect: the application name is not '{Application}' (publish URL must be rtmp://host/{Application}/streamKey)")]
    public static partial void WrongApplication(ILogger logger, string connectionId, string remoteAddress, string application);

    [LoggerMessage(Level = LogLevel.Debug, Message = "RTMP connection {ConnectionId} from {RemoteAddress} published with an empty stream name: the stream key is taken from the path after the application (a publish URL ending in '/')")]
    public static partial void KeyFromApplicationPath(ILogger logger, string connectionId, string remoteAddress);

    [LoggerMessage(Level = LogLevel.Information, Message = "RTMP connection {ConnectionId} from {RemoteAddress} publishing stream {StreamName}")]
    public static partial void PublishStarted(ILogger logger, string connectionId, string remoteAddress, string streamName);

    [LoggerMessage(Level = LogLevel.Warning, Message = "RTMP connection {ConnectionId} from {RemoteAddress} publish refused: unknown stream key")]
    public static partial void PublishUnknownKey(ILogger logger, string connectionId, string remoteAddress);

    [LoggerMessage(Level = LogLevel.Warning, Message = "RTMP connection {ConnectionId} from {RemoteAddress} publish of stream {StreamName} refused: stream key expired")]
    public static partial void PublishExpired(ILogger logger, string connectionId, string remoteAddress, string streamName);

    [LoggerMessage(Level = LogLevel.Warning, Message = "RTMP connection {ConnectionId} from {RemoteAddress} publish of stream {StreamName} refused: already live from another publisher")]
    public static partial void PublishAlreadyLive(ILogger logger, string connectionId, string remoteAddress, string streamName);

    [LoggerMessage(Level = LogLevel.Warning, Message = "RTMP connection {ConnectionId} from {RemoteAddress} publish of stream {StreamName} refused: it is live on node {OtherNode}")]
    public static partial void PublishLiveOnOtherNode(ILogger logger, string connectionId, string remoteAddress, string streamName, string otherNode);

    [LoggerMessage(Level = LogLevel.Warning, Message = "RTMP connection {ConnectionId} from {RemoteAddress} publish refused: the stream store is unreachable ({Reason}); streams already live carry on")]
    public static partial void PublishStoreUnavailable(ILogger logger, string connectionId, string remoteAddress, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "RTMP connection {ConnectionId} stream {StreamName} ended after {DurationSeconds} s: {BytesReceived} bytes, {VideoFrames} video and {AudioFrames} audio frames, {TimestampAnomalies} timestamp anomalies")]
    public static partial void PublishEnded(ILogger logger, string connectionId, string streamName, long durationSeconds, long bytesReceived, long videoFrames, long audioFrames, long timestampAnomalies);

    [LoggerMessage(Level = LogLevel.Warning, Message = "RTMP connection {ConnectionId} from {RemoteAddress} publish refused: the address is not allowed to publish (StreamHub:Access:Publish)")]
    public static partial void PublishAddressDenied(ILogger logger, string connectionId, string remoteAddress);

    [LoggerMessage(Level = LogLevel.Warning, Message = "RTMP connection {ConnectionId} from {RemoteAddress} publish of stream {StreamName} refused: the address is not in the stream's allowed publisher networks")]
    public static partial void PublishStreamAddressDenied(ILogger logger, string connectionId, string remoteAddress, string streamName);

    [LoggerMessage(Level = LogLevel.Debug, Message = "RTMP connection {ConnectionId} from {RemoteAddress}: unknown stream key; too many from this address, the refusal is held {HoldSeconds} s (StreamHub:Limits:BadKeyDelaySeconds)")]
    public static partial void PublishRefusalHeld(ILogger logger, string connectionId, string remoteAddress, int holdSeconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "RTMP connection {ConnectionId} from {RemoteAddress} stream {StreamName}: stopped because the stream was deleted")]
    public static partial void PublishStoppedByAdmin(ILogger logger, string connectionId, string remoteAddress, string streamName);

    [LoggerMessage(Level = LogLevel.Warning, Message = "RTMP connection {ConnectionId} from {RemoteAddress} play refused: the address is not allowed to play (StreamHub:Access:Play)")]
    public static partial void PlayAddressDenied(ILogger logger, string connectionId, string remoteAddress);

    [LoggerMessage(Level = LogLevel.Information, Message = "RTMP connection {ConnectionId} from {RemoteAddress} play refused: no live stream of the requested name (the name is not logged: it may be a key pasted by mistake)")]
    public static partial void PlayNotLive(ILogger logger, string connectionId, string remoteAddress);

    [LoggerMessage(Level = LogLevel.Warning, Message = "RTMP connection {ConnectionId} stream {StreamName}: the encoder flags AV1 frames as keyframes that are not random access points (this one: {Sent}); only a sequence header with a shown key frame starts a segment. Logged once per publish")]
    public static partial void Av1KeyframeFlagWrong(ILogger logger, string connectionId, string streamName, Media.Av1.Av1RandomAccess sent);
}
