namespace StreamHub.Recording;

/// <summary>A stream's recording now (the API's <c>status</c>).</summary>
/// <param name="State">Idle, Recording or Stopped.</param>
/// <param name="File">The file being written (its recording id), when recording.</param>
/// <param name="StopReason">Why it stopped, when Stopped.</param>
/// <param name="Error">The reason in words, when Stopped.</param>
/// <param name="Gaps">Times in this publish the disk fell behind and frames up to the next keyframe were left out
/// of the file.</param>
/// <param name="DroppedFrames">Frames left out in those gaps.</param>
public sealed record RecordingStatus(RecordingState State, string? File, RecordingStopReason StopReason, string? Error, long Gaps, long DroppedFrames)
{
    public static readonly RecordingStatus Idle = new(RecordingState.Idle, null, RecordingStopReason.None, null, 0, 0);
}
