namespace StreamHub.Playback;

/// <summary>One line per player joining and leaving: what an operator greps for.</summary>
internal static partial class PlaybackLog
{
    [LoggerMessage(Level = LogLevel.Information, Message = "Player {Player} joined stream {StreamName} over {Protocol} ({Transport}) from {RemoteAddress}")]
    public static partial void Joined(ILogger logger, string player, string streamName, PlaybackProtocol protocol, string transport, string remoteAddress);

    [LoggerMessage(Level = LogLevel.Information, Message = "Player {Player} left stream {StreamName} over {Protocol} ({Transport}) from {RemoteAddress} after {DurationSeconds:0.0} s: {BytesSent} bytes sent, {FramesDropped} frames dropped ({BytesDropped} bytes); {Reason}")]
    public static partial void Left(ILogger logger, string player, string streamName, PlaybackProtocol protocol, string transport, string remoteAddress,
        double durationSeconds, long bytesSent, long framesDropped, long bytesDropped, string reason);
}
