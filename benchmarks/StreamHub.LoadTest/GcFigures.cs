namespace StreamHub.LoadTest;

/// <summary>The .NET runtime's garbage-collector totals as a server reports them about itself (the <c>dotnet_gc_*</c>
/// series of its <c>/metrics</c>): the difference of two readings says how much the window allocated and collected.
/// Pooled buffers that are reused allocate nothing; a pool that misses shows up here.</summary>
public sealed record GcFigures(long AllocatedBytes, long Gen0, long Gen1, long Gen2, double PauseSeconds)
{
    public GcFigures Since(GcFigures earlier) =>
        new(AllocatedBytes - earlier.AllocatedBytes, Gen0 - earlier.Gen0, Gen1 - earlier.Gen1, Gen2 - earlier.Gen2, PauseSeconds - earlier.PauseSeconds);

    /// <summary>Reads the totals from a Prometheus text exposition; null when they are not in it.</summary>
    public static GcFigures? Parse(string metrics)
    {
        long? allocated = null;
        long gen0 = 0, gen1 = 0, gen2 = 0;
        double pause = 0;
        foreach (var line in metrics.Split('\n'))
        {
            if (line.StartsWith("dotnet_gc_heap_total_allocated_bytes", StringComparison.Ordinal))
            {
                allocated = (long)Value(line);
            }
            else if (line.StartsWith("dotnet_gc_collections_total{", StringComparison.Ordinal))
            {
                if (line.Contains("\"gen0\"", StringComparison.Ordinal))
                {
                    gen0 = (long)Value(line);
                }
                else if (line.Contains("\"gen1\"", StringComparison.Ordinal))
                {
                    gen1 = (long)Value(line);
                }
                else if (line.Contains("\"gen2\"", StringComparison.Ordinal))
                {
                    gen2 = (long)Value(line);
                }
            }
            else if (line.StartsWith("dotnet_gc_pause_time_seconds", StringComparison.Ordinal))
            {
                pause = Value(line);
            }
        }
        return allocated is { } bytes ? new GcFigures(bytes, gen0, gen1, gen2, pause) : null;
    }

    private static double Value(string line) =>
        double.Parse(line[(line.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture);
}
