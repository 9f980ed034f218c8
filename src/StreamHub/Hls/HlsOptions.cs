using System.ComponentModel.DataAnnotations;

namespace StreamHub.Hls;

/// <summary>HLS packaging, bound from <c>StreamHub:Hls</c>.</summary>
public sealed class HlsOptions : IValidatableObject
{
    public const string Section = "StreamHub:Hls";

    /// <summary>Target segment length: a segment is cut at the first keyframe once it is this long (audio only: on
    /// time), or earlier when the next keyframe would make it longer than EXT-X-TARGETDURATION. Segments are cut only
    /// at keyframes, so an encoder whose keyframe interval is longer gets segments as long as its GOP: set the
    /// encoder's keyframe interval to this value.</summary>
    [Range(1.0, 30.0, ErrorMessage = "StreamHub:Hls:SegmentDurationSeconds must be between 1 and 30 seconds.")]
    public double SegmentDurationSeconds { get; set; } = 2;

    /// <summary>Segments listed in the live playlist (a live window of at least 3 keeps players off the edge).</summary>
    [Range(3, 100, ErrorMessage = "StreamHub:Hls:WindowSegments must be between 3 and 100.")]
    public int WindowSegments { get; set; } = 6;

    /// <summary>How long a stream whose publisher stopped stays readable (with ENDLIST) before its URLs answer 404.</summary>
    [Range(0, 86_400, ErrorMessage = "StreamHub:Hls:EndedStreamGraceSeconds must be between 0 and 86400.")]
    public int EndedStreamGraceSeconds { get; set; } = 60;

    /// <summary>Most players counted per stream (a fixed 64-bit hash each, so the table's memory is bounded whatever
    /// clients send); beyond it, new players are served but not counted until others leave.</summary>
    [Range(1, 1_000_000, ErrorMessage = "StreamHub:Hls:MaxViewersPerStream must be between 1 and 1000000.")]
    public int MaxViewersPerStream { get; set; } = 10_000;

    /// <summary>The longest segment: one that reaches it without a keyframe (a broken encoder) is cut there, with a
    /// warning, and does not start decodable. At least the segment duration.</summary>
    [Range(1.0, 60.0, ErrorMessage = "StreamHub:Hls:MaxSegmentDurationSeconds must be between 1 and 60 seconds.")]
    public double MaxSegmentDurationSeconds { get; set; } = 15;

    /// <summary>The segment container: <c>Fmp4</c> (CMAF: H.264, HEVC and AV1, and low-latency HLS) or <c>Ts</c>
    /// (MPEG-TS: H.264 only, for players that predate fMP4). A stream whose video MPEG-TS cannot carry is packaged in
    /// fMP4 whatever this says. A stream's own setting (the streams API) overrides it.</summary>
    public HlsContainer Container { get; set; } = HlsContainer.Fmp4;

    /// <summary>Low-latency HLS (fMP4 only): each segment is listed part by part as it is written, with blocking
    /// playlist reload, preload hints and delta updates, so players that speak it (hls.js, Safari, AVPlayer, ExoPlayer,
    /// Shaka) sit a second or two behind the encoder; other players play the whole segments as before.</summary>
    public bool LowLatency { get; set; } = true;

    /// <summary>PART-TARGET: the longest part. Parts are cut at video frames (audio frames without video), so they
    /// are up to one frame shorter.</summary>
    [Range(0.1, 2.0, ErrorMessage = "StreamHub:Hls:PartDurationSeconds must be between 0.1 and 2 seconds.")]
    public double PartDurationSeconds { get; set; } = 0.333;

    /// <summary>The part target to package a stream with, or null for whole segments.</summary>
    public TimeSpan? PartTarget(HlsContainer container) => PartTarget(container, LowLatency);

    /// <summary>The part target for a stream whose own low-latency switch is <paramref name="lowLatency"/>.</summary>
    public TimeSpan? PartTarget(HlsContainer container, bool lowLatency) =>
        lowLatency && container == HlsContainer.Fmp4 ? TimeSpan.FromSeconds(PartDurationSeconds) : null;

    /// <summary>EXT-X-TARGETDURATION of a stream whose segments are no longer than the target: the target rounded to
    /// whole seconds (RFC 8216 §4.3.3.1). Longer GOPs raise it to their rounded length.</summary>
    public int MinimumTargetDurationSeconds => Math.Max(1, (int)Math.Round(SegmentDurationSeconds, MidpointRounding.AwayFromZero));

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (MaxSegmentDurationSeconds < SegmentDurationSeconds)
        {
            yield return new ValidationResult(
                "StreamHub:Hls:MaxSegmentDurationSeconds must be at least StreamHub:Hls:SegmentDurationSeconds.",
                [nameof(MaxSegmentDurationSeconds)]);
        }
        if (!Enum.IsDefined(Container))
        {
            yield return new ValidationResult("StreamHub:Hls:Container must be Fmp4 or Ts.", [nameof(Container)]);
        }
        // Whatever LowLatency says: a stream's own setting (the streams API) can turn low latency on.
        if (PartDurationSeconds * 2 > SegmentDurationSeconds)
        {
            yield return new ValidationResult(
                "StreamHub:Hls:PartDurationSeconds must be at most half of StreamHub:Hls:SegmentDurationSeconds.",
                [nameof(PartDurationSeconds)]);
        }
    }
}
