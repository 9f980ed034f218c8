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

    [LoggerMessage(Level = LogLevel.Warning, Message = "HLS {StreamName}: {Kind} frames in {Codec} cannot be packaged (H.264, HEVC, AV1 and AAC only, with a valid sequence header); they are dropped")]
    public static partial void Unsupported(ILogger logger, string streamName, Media.MediaKind kind, string codec);

    [LoggerMessage(Level = LogLevel.Debug, Message = "HLS {StreamName}: segment {Sequence} listed ({Duration:F3} s, {Bytes} bytes)")]
    public static partial void SegmentListed(ILogger logger, string streamName, long sequence, double duration, long bytes);

    [LoggerMessage(Level = LogLevel.Warning, Message = "HLS {StreamName}: the encoder sends a keyframe every {KeyframeIntervalSeconds:F2} s, longer than the {TargetSeconds} s segment target; segments are cut only at keyframes, so they are that long (EXT-X-TARGETDURATION {TargetDuration}) and players stay about three of them behind. Set the encoder's keyframe interval to {TargetSeconds} s")]
    public static partial void LongKeyframeInterval(ILogger logger, string streamName, double keyframeIntervalSeconds, double targetSeconds, int targetDuration);

    [LoggerMessage(Level = LogLevel.Warning, Message = "HLS {StreamName}: the encoder's keyframe interval grew; EXT-X-TARGETDURATION raised from {Previous} to {TargetDuration} so segments still start with a keyframe")]
    public static partial void TargetDurationRaised(ILogger logger, string streamName, int previous, int targetDuration);

    [LoggerMessage(Level = LogLevel.Warning, Message = "HLS {StreamName}: segment cut without a keyframe (none for {MaxSeconds} s, StreamHub:Hls:MaxSegmentDurationSeconds, or the segment reached its 32 MiB cap); players may show errors until the next keyframe")]
    public static partial void CutWithoutKeyframe(ILogger logger, string streamName, double maxSeconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "HLS {StreamName}: {Codec} video cannot be carried in MPEG-TS; the stream is packaged in fMP4 (CMAF) from now on, after a discontinuity")]
    public static partial void MovedToFmp4(ILogger logger, string streamName, Media.VideoCodec codec);

    [LoggerMessage(Level = LogLevel.Information, Message = "HLS {StreamName}: the stream's HLS settings changed (container {Container}, low latency {LowLatency}); packaging starts a new playlist")]
    public static partial void SettingsChanged(ILogger logger, string streamName, string container, bool lowLatency);
}
