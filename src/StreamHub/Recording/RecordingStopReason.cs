namespace StreamHub.Recording;

/// <summary>Why a recording stopped before its stream ended.</summary>
public enum RecordingStopReason : byte
{
    None,

    /// <summary>The stream's or the server's size limit is reached and no older recording is left to delete.</summary>
    QuotaExceeded,

    /// <summary>The disk is full, or has less free space than StreamHub:Recording:MinFreeMegabytes.</summary>
    DiskFull,

    /// <summary>The disk took the stream slower than it is published, for longer than the recorder's queue holds.</summary>
    TooSlow,

    /// <summary>A write or file error.</summary>
    WriteFailed,

    /// <summary>Recording was switched off for the stream while it was live.</summary>
    SwitchedOff,
}
