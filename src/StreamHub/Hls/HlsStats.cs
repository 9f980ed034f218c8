using System.Globalization;

namespace StreamHub.Hls;

/// <summary>A stream's HLS side as the stats API shows it.</summary>
/// <param name="Viewers">Distinct players that fetched the playlist in the last 10 s.</param>
/// <param name="SegmentsProduced">Segments made since the stream's HLS state began (null when it has none).</param>
/// <param name="TargetDurationSeconds">EXT-X-TARGETDURATION now (null without HLS state): the segment target, or the
/// encoder's keyframe interval when that is longer.</param>
/// <param name="SegmentTargetSeconds">The configured segment target (StreamHub:Hls:SegmentDurationSeconds).</param>
/// <param name="KeyframeIntervalSeconds">The encoder's keyframe interval as the segmenter measures it (the longest of
/// its recent GOPs).</param>
/// <param name="SegmentsWithoutKeyframe">Segments cut without a keyframe (the encoder sent none for
/// StreamHub:Hls:MaxSegmentDurationSeconds).</param>
/// <param name="Warning">What the streamer should change, in words; null when nothing.</param>
/// <param name="Container">The container segments are written in now, "fmp4" or "ts" (null without HLS state): the
/// stream's own setting or the server's, or fMP4 for HEVC and AV1 whatever they say.</param>
/// <param name="LowLatency">Whether segments are listed part by part (LL-HLS); null without HLS state.</param>
/// <param name="InitVersion">The fMP4 init segment now, <c>init{n}.mp4</c>: it changes when the encoder's codec
/// configuration does. Null for MPEG-TS and before the first one.</param>
/// <param name="Packaging">What of the stream cannot be packaged (a codec HLS cannot carry, e.g. VP9 video or Opus
/// audio; a sequence header that is not valid), in words; null when everything is.</param>
public sealed record HlsStats(int Viewers, long? SegmentsProduced, int? TargetDurationSeconds, double SegmentTargetSeconds,
    double? KeyframeIntervalSeconds, long SegmentsWithoutKeyframe, string? Warning, string? Container = null, bool? LowLatency = null,
    int? InitVersion = null, string? Packaging = null)
{
    public static HlsStats For(string name, HlsPackager packager, HlsViewers viewers)
    {
        var target = packager.Options.SegmentDurationSeconds;
        if (packager.Find(name) is not { } stream)
        {
            return new HlsStats(viewers.Count(name), null, null, target, null, 0, null);
        }
        var interval = stream.KeyframeInterval?.TotalSeconds;
        var forced = stream.ForcedCuts;
        string? warning = null;
        if (interval >= target + 0.5)
        {
            warning = string.Create(CultureInfo.InvariantCulture,
                $"The encoder sends a keyframe every {interval:0.##} s, longer than the {target:0.##} s segment target: segments are {interval:0.##} s long and players stay about {3 * stream.TargetDuration} s behind. Set the encoder's keyframe interval to {target:0.##} s (OBS: Settings > Output > Output Mode: Advanced > Keyframe Interval).");
        }
        else if (forced > 0)
        {
            warning = string.Create(CultureInfo.InvariantCulture,
                $"{forced} segments had to be cut without a keyframe: the encoder sent none for {packager.Options.MaxSegmentDurationSeconds:0.##} s. Set its keyframe interval to {target:0.##} s.");
        }
        return new HlsStats(viewers.Count(name), stream.SegmentsProduced, stream.TargetDuration, target, interval, forced, warning,
            StreamHlsSettings.Format(stream.ContainerInUse), stream.PartsListed, stream.InitVersion, stream.PackagingProblem);
    }
}
