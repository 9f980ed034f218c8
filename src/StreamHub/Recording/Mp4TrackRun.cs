namespace StreamHub.Recording;

/// <summary>One track's part of a fragment: its decode time (<c>tfdt</c>), its samples' summed duration, both in the
/// track's timescale, and whether its first sample is a sync sample.</summary>
public readonly record struct Mp4TrackRun(uint TrackId, ulong DecodeTime, ulong Duration, int Samples, bool StartsWithSync);
