namespace StreamHub.Recording;

/// <summary>What a <see cref="RecordingDisk"/> thread drives: a recording that takes what its subscription has
/// queued, writes it, and says when it has finished.</summary>
internal interface IPumpedRecording
{
    /// <summary>Takes every queued frame and writes what is due, on the disk thread (it may block on the disk). When
    /// <paramref name="stopping"/> (the disk threads are shutting down) the recording stops and closes its file. False
    /// once the recording has finished and its file is closed: the thread forgets it.</summary>
    bool Pump(bool stopping);
}
