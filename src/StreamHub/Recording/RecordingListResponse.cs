namespace StreamHub.Recording;

/// <summary>A stream's recordings and its recording state.</summary>
/// <param name="Enabled">Whether the stream is recorded when live (its own setting, else StreamHub:Recording:Enabled).</param>
/// <param name="Setting">The stream's own setting: true, false, or null (the server-wide setting applies).</param>
/// <param name="MaxMegabytes">The stream's own size limit; null: StreamHub:Recording:MaxStreamMegabytes.</param>
/// <param name="State">idle, recording or stopped.</param>
/// <param name="StopReason">When stopped: quotaExceeded, diskFull, tooSlow, writeFailed or switchedOff.</param>
/// <param name="Error">When stopped: why, in words.</param>
/// <param name="Gaps">Times in the current (or last) publish the disk fell behind and frames up to the next keyframe
/// are missing from the file.</param>
/// <param name="DroppedFrames">Frames missing in those gaps.</param>
/// <param name="TotalBytes">The stream's recordings on disk.</param>
/// <param name="Recordings">Oldest first.</param>
public sealed record RecordingListResponse(string Stream, bool Enabled, bool? Setting, long? MaxMegabytes, string State, string? StopReason,
    string? Error, long Gaps, long DroppedFrames, long TotalBytes, RecordingResponse[] Recordings);
