namespace StreamHub.Live;

/// <summary>A live stream as the stats API shows it.</summary>
/// <param name="Since">When this publish started.</param>
/// <param name="PublisherAddress">The encoder's address and port.</param>
/// <param name="Encoder">What the encoder says it is (onMetaData encoder, or connect's flashVer).</param>
/// <param name="FrameRate">Measured from the video timestamps, frames per second.</param>
/// <param name="KeyframeIntervalSeconds">The last measured distance between keyframes.</param>
/// <param name="BitrateKbps">Measured over the last 5 seconds (not the encoder's declared rate).</param>
/// <param name="TimestampAnomalies">Timestamps that went backwards or jumped more than 5 s ahead.</param>
/// <param name="IgnoredTrackFrames">Frames of Enhanced RTMP tracks other than the default one, which are neither
/// packaged nor played (and not in the other figures).</param>
public sealed record LiveStreamStats(
    DateTimeOffset Since,
    string PublisherAddress,
    string? Encoder,
    TrackInfo? Video,
    TrackInfo? Audio,
    double? FrameRate,
    double? KeyframeIntervalSeconds,
    long BitrateKbps,
    long VideoFrames,
    long AudioFrames,
    long BytesReceived,
    long TimestampAnomalies,
    long IgnoredTrackFrames)
{
    public static LiveStreamStats From(LiveStream stream) => new(
        stream.StartedAt,
        stream.Publisher.RemoteAddress,
        stream.Encoder,
        stream.Video,
        stream.Audio,
        stream.FrameRate,
        stream.KeyframeInterval?.TotalSeconds,
        stream.Bitrate.BitsPerSecond() / 1000,
        stream.VideoFrames,
        stream.AudioFrames,
        stream.BytesReceived,
        stream.TimestampAnomalies,
        stream.IgnoredTrackFrames);
}
