namespace StreamHub.Recording;

/// <summary>Where a stream's recording stands.</summary>
public enum RecordingState : byte
{
    /// <summary>Not recording: the stream is not live, or recording is off for it.</summary>
    Idle,

    /// <summary>Waiting for the stream's first keyframe, or writing.</summary>
    Recording,

    /// <summary>Stopped for the rest of this publish: see the reason (quota, disk full, disk too slow, write error).</summary>
    Stopped,
}
