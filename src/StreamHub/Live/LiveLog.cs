namespace StreamHub.Live;

/// <summary>Log lines of the live streams and their fan-out.</summary>
internal static partial class LiveLog
{
    [LoggerMessage(Level = LogLevel.Error, Message = "Media sink {Sink} failed on stream {StreamName} ({Phase}); it gets nothing more of this publish, the publisher and the other sinks carry on")]
    public static partial void SinkFailed(ILogger logger, Exception exception, string sink, string streamName, string phase);

    [LoggerMessage(Level = LogLevel.Error, Message = "Live stream observer {Observer} failed on stream {StreamName} (publish {Phase}); the publisher carries on")]
    public static partial void ObserverFailed(ILogger logger, Exception exception, string observer, string streamName, string phase);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Subscriber {Subscriber} removed from stream {StreamName}: {Reason}; the publisher and the other subscribers carry on")]
    public static partial void SubscriberRemoved(ILogger logger, string streamName, string subscriber, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Stream {StreamName} carries Enhanced RTMP multitrack: only the default track (0) is packaged and played; {Kind} track {TrackId} ignored, and any further track of this publish without another line")]
    public static partial void MultitrackIgnored(ILogger logger, string streamName, Media.MediaKind kind, byte trackId);
}
