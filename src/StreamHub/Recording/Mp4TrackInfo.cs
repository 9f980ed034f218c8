namespace StreamHub.Recording;

/// <summary>A track of a recording's <c>moov</c>: its id, timescale, whether it is video, and its sample entry
/// (<c>avc1</c>, <c>hvc1</c>, <c>av01</c>, <c>mp4a</c>).</summary>
public sealed record Mp4TrackInfo(uint TrackId, uint Timescale, bool IsVideo, string SampleEntry);
