namespace StreamHub.Recording;

/// <summary>Recorder log lines. They name the public stream and the file, never a key.</summary>
internal static partial class RecordingLog
{
    [LoggerMessage(Level = LogLevel.Information, Message = "Recording {StreamName}: writing {File}")]
    public static partial void FileStarted(ILogger logger, string streamName, string file);

    [LoggerMessage(Level = LogLevel.Information, Message = "Recording {StreamName}: {File} closed, {DurationSeconds:0.###} s, {Bytes} bytes")]
    public static partial void FileFinished(ILogger logger, string streamName, string file, double durationSeconds, long bytes);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Recording {StreamName}: the disk fell behind the stream; {DroppedFrames} frames up to the next keyframe are missing from {File} (gap {Gaps} of this publish)")]
    public static partial void Gap(ILogger logger, string streamName, string? file, long droppedFrames, long gaps);

    [LoggerMessage(Level = LogLevel.Error, Message = "Recording {StreamName}: stopped ({Reason}): {Error}; the live stream carries on")]
    public static partial void Stopped(ILogger logger, string streamName, RecordingStopReason reason, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "Recording {StreamName}: stopped on a file error; the live stream carries on")]
    public static partial void WriteFailed(ILogger logger, Exception exception, string streamName);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Recording {StreamName}: {Kind} in {Codec} cannot be recorded (H.264, HEVC, AV1 and AAC can); the file has no {Kind} track")]
    public static partial void Unsupported(ILogger logger, string streamName, Media.MediaKind kind, string codec);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Recording: files in {Directory} are written through the page cache, not with O_DIRECT: {Why} (said once)")]
    public static partial void DirectIoRefused(ILogger logger, string directory, string why);

    [LoggerMessage(Level = LogLevel.Information, Message = "Recording {StreamName}: deleted {File} ({Why})")]
    public static partial void Deleted(ILogger logger, string streamName, string file, string why);

    [LoggerMessage(Level = LogLevel.Error, Message = "Recording: the per-stream settings could not be read; the server-wide setting applies")]
    public static partial void SettingsUnreadable(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Recording: deleting recordings past StreamHub:Recording:MaxAgeHours failed; tried again in a minute")]
    public static partial void SweepFailed(ILogger logger, Exception exception);
}
