namespace StreamHub.Recording;

/// <summary>One fragment of a recording (<c>moof</c> + <c>mdat</c>): where its bytes are, and its time in seconds from
/// the recording's start. Independent: it starts with a video keyframe (or the file has no video).</summary>
public sealed record RecordingFragment(long Offset, long Length, double Start, double Duration, bool Independent);
