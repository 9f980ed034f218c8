namespace StreamHub.Hls;

/// <summary>HLS log lines. They name the public stream, never a key.</summary>
internal static partial class HlsLog
{
    [LoggerMessage(Level = LogLevel.Information, Message = "HLS {StreamName}: packaging started (playlist /hls/{StreamName}/index.m3u8)")]
    public static partial void Started(ILogger logger, string streamName);

    [LoggerMessage(Level = LogLevel.Information, Message = "HLS {StreamName}: publisher is back; the playlist continues after a discontinuity")]
    public static partial void Restarted(ILogger logger, string streamName);

    [LoggerMessage(Level = LogLevel.Information, Message = "HLS {StreamName}: publisher stopped; playlist ended, readable for {GraceSeconds} s; {Viewers} viewers at stop, {SegmentsProduced} segments produced")]
    public static partial void Ended(ILogger logger, string streamName, int graceSeconds, int viewers, long segmentsProduced);

    [LoggerMessage(Level = LogLevel.Information, Message = "HLS {StreamName}: removed after its grace period")]
    public static partial void Removed(ILogger logger, string streamName);

    [LoggerMessage(Level = LogLevel.Warning, Message = "HLS {StreamName}: {Kind} frames in {Codec} cannot be packaged (H.264 and AAC only, with a valid sequence header); they are dropped")]
    public static partial void Unsupported(ILogger logger, string streamName, Media.MediaKind kind, string codec);

    [LoggerMessage(Level = LogLevel.Debug, Message = "HLS {StreamName}: segment {Sequence} listed ({Duration:F3} s, {Bytes} bytes)")]
    public static partial void SegmentListed(ILogger logger, string streamName, long sequence, double duration, long bytes);
}
