namespace StreamHub.Restream;

/// <summary>Log lines of the pusher. A target is named by its name and host, never by its key, and never by the
/// publish name (which is the key).</summary>
internal static partial class RestreamLog
{
    [LoggerMessage(Level = LogLevel.Information, Message = "Restream {StreamName} → {Target} ({Host}): {State}")]
    public static partial void StateChanged(ILogger logger, string streamName, string target, string host, string state);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Restream {StreamName} → {Target} ({Host}): {State}: {Error}")]
    public static partial void StateChangedWithError(ILogger logger, string streamName, string target, string host, string state, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "Restream {StreamName}: the targets could not be read; nothing changes until they are")]
    public static partial void TargetsUnreadable(ILogger logger, Exception exception, string streamName);

    [LoggerMessage(Level = LogLevel.Error, Message = "Restream {StreamName} → {Target} ({Host}): the push stopped on an unexpected error; it is retried")]
    public static partial void PushCrashed(ILogger logger, Exception exception, string streamName, string target, string host);
}
