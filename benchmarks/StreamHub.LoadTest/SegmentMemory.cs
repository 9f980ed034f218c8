namespace StreamHub.LoadTest;

/// <summary>Segment memory as a server reports it about itself.</summary>
/// <param name="InUseBytes">Held by segments now (listed, retired, open, or still being sent).</param>
/// <param name="FreeBytes">Kept for reuse.</param>
public sealed record SegmentMemory(long InUseBytes, long FreeBytes);
