namespace StreamHub.LoadTest;

/// <summary>What one server did with N publishers.</summary>
public sealed record RunResult
{
    public required string Server { get; init; }
    public required int Publishers { get; init; }
    public string? Skipped { get; init; }
    public int PublishersUp { get; init; }
    public int PublishersFailedLater { get; init; }
    public double WindowSeconds { get; init; }
    public double ServerCpuPercentOfCore { get; init; }
    public double ServerCpuPercentPerStream { get; init; }
    /// <summary>The same over the warm-up, while every stream fills its first segment window.</summary>
    public double WarmupCpuPercentPerStream { get; init; }
    public double PublisherCpuPercentOfCore { get; init; }
    public double SegmentDelayMedianMs { get; init; }
    public double SegmentDelayP95Ms { get; init; }
    public int SegmentDelaySamples { get; init; }
    public int SampledStreams { get; init; }
    public int StreamsPackaged { get; init; }
    public double BaselineRssMb { get; init; }
    public double PeakRssMb { get; init; }
    public double MemoryPerStreamMb { get; init; }
    /// <summary>Measured (the server's own gauge, at the end of the window) when <see cref="SegmentDataMeasured"/>,
    /// else <see cref="SegmentDataEstimatePerStreamMb"/>.</summary>
    public double SegmentDataPerStreamMb { get; init; }
    public bool SegmentDataMeasured { get; init; }
    public double SegmentDataEstimatePerStreamMb { get; init; }
    /// <summary>Free segment memory the server keeps for reuse, all streams together (null: not reported).</summary>
    public double? SegmentMemoryFreeMb { get; init; }
    public double MemoryBeyondSegmentsPerStreamMb { get; init; }
    public double? PlaylistRequestsPerSecond { get; init; }
    public long PlaylistNon2xx { get; init; }
    public double? SegmentRequestsPerSecond { get; init; }
    public long SegmentNon2xx { get; init; }
    public double MbitPerSecondSent { get; init; }
    /// <summary>What the server's garbage collector saw over the window (null: the server reports no GC figures).</summary>
    public double? AllocatedMbPerSecond { get; init; }
    public long? Gen0Collections { get; init; }
    public long? Gen1Collections { get; init; }
    public long? Gen2Collections { get; init; }
    /// <summary>Time the process was paused for collections, in % of the window.</summary>
    public double? GcPausePercent { get; init; }
}
