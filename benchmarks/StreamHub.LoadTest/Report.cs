using System.Globalization;
using System.Text;

namespace StreamHub.LoadTest;

/// <summary>The side-by-side table: one block per publisher count, StreamHub | nginx-rtmp | ratio.</summary>
public static class Report
{
    public static string Line(RunResult r) => string.Create(CultureInfo.InvariantCulture,
        $"  => {r.Server} × {r.Publishers}: {r.PublishersUp} up, CPU {r.ServerCpuPercentPerStream:F3} %/stream ({r.ServerCpuPercentOfCore:F1} % total), " +
        $"delay median {r.SegmentDelayMedianMs:F0} ms p95 {r.SegmentDelayP95Ms:F0} ms (n={r.SegmentDelaySamples}), packaged {r.StreamsPackaged}, " +
        $"peak RSS {r.PeakRssMb:F1} MB, growth {r.MemoryPerStreamMb:F2} MB/stream of which segment data {r.SegmentDataPerStreamMb:F2} ({(r.SegmentDataMeasured ? "measured" : "estimate")}), " +
        $"beyond {r.MemoryBeyondSegmentsPerStreamMb:F2}, playlist {r.PlaylistRequestsPerSecond:F0}/s, segment {r.SegmentRequestsPerSecond:F0}/s, publisher CPU {r.PublisherCpuPercentOfCore:F1} %") + Gc(r);

    private static string Gc(RunResult r) => r.AllocatedMbPerSecond is { } allocated
        ? string.Create(CultureInfo.InvariantCulture,
            $", GC: {allocated:F1} MB/s allocated, {r.Gen0Collections}/{r.Gen1Collections}/{r.Gen2Collections} gen0/1/2 collections, paused {r.GcPausePercent:F2} % of the window")
        : "";

    public static string Table(IReadOnlyList<RunResult> results, FlvClip clip)
    {
        var text = new StringBuilder();
        var invariant = CultureInfo.InvariantCulture;
        text.AppendLine(invariant, $"Clip: {clip.BytesPerSecond * 8 / 1e6:F2} Mbit/s H.264+AAC, {Environment.ProcessorCount} cores shared by server and publisher. Ratio = StreamHub / nginx-rtmp.");
        foreach (var group in results.GroupBy(r => r.Publishers))
        {
            var hub = group.FirstOrDefault(r => r.Server == "StreamHub");
            var nginx = group.FirstOrDefault(r => r.Server == "nginx-rtmp");
            text.AppendLine();
            text.AppendLine(invariant, $"| {group.Key} publishers | StreamHub | nginx-rtmp | ratio |");
            text.AppendLine("|---|---:|---:|---:|");
            void Row(string label, Func<RunResult, double?> value, string format, bool ratio = true)
            {
                var a = hub is { Skipped: null } ? value(hub) : null;
                var b = nginx is { Skipped: null } ? value(nginx) : null;
                string Cell(double? v) => v is { } x && !double.IsNaN(x) ? x.ToString(format, invariant) : "–";
                var r = ratio && a is { } x && b is { } y && y != 0 && !double.IsNaN(x) && !double.IsNaN(y) ? (x / y).ToString("F2", invariant) : "";
                text.AppendLine(invariant, $"| {label} | {Cell(a)} | {Cell(b)} | {r} |");
            }
            Row("publishers up", r => r.PublishersUp, "F0", ratio: false);
            Row("publishers failed during the window", r => r.PublishersFailedLater, "F0", ratio: false);
            Row("server CPU, % of a core per stream", r => r.ServerCpuPercentPerStream, "F3");
            Row("server CPU, % of a core total", r => r.ServerCpuPercentOfCore, "F1");
            Row("server CPU during the warm-up, % of a core per stream", r => r.WarmupCpuPercentPerStream, "F3");
            Row("publisher process CPU, % of a core", r => r.PublisherCpuPercentOfCore, "F1", ratio: false);
            Row("segment availability delay, median ms", r => r.SegmentDelayMedianMs, "F0");
            Row("segment availability delay, p95 ms", r => r.SegmentDelayP95Ms, "F0");
            Row("delay samples (segments seen)", r => r.SegmentDelaySamples, "F0", ratio: false);
            Row("streams fully packaged (≥ 3 segments)", r => r.StreamsPackaged, "F0", ratio: false);
            Row("peak RSS, MB", r => r.PeakRssMb, "F1");
            Row("memory growth per stream, MB", r => r.MemoryPerStreamMb, "F2");
            Row("  of which segment data, MB", r => r.SegmentDataPerStreamMb, "F2", ratio: false);
            Row("  beyond segment data, MB", r => r.MemoryBeyondSegmentsPerStreamMb, "F2", ratio: false);
            Row("  (segment data estimate, 13 × 2 s × rate × 1.06), MB", r => r.SegmentDataEstimatePerStreamMb, "F2", ratio: false);
            Row("free segment memory kept for reuse, all streams, MB", r => r.SegmentMemoryFreeMb, "F1", ratio: false);
            Row("playlist requests/s (wrk -t2 -c50)", r => r.PlaylistRequestsPerSecond, "F0");
            Row("segment requests/s (wrk -t2 -c50)", r => r.SegmentRequestsPerSecond, "F0");
            Row("publish rate achieved, Mbit/s", r => r.MbitPerSecondSent, "F1");
            Row("server allocations over the window, MB/s", r => r.AllocatedMbPerSecond, "F1", ratio: false);
            Row("server collections over the window: gen0", r => r.Gen0Collections, "F0", ratio: false);
            Row("  gen1", r => r.Gen1Collections, "F0", ratio: false);
            Row("  gen2", r => r.Gen2Collections, "F0", ratio: false);
            Row("server paused for GC, % of the window", r => r.GcPausePercent, "F2", ratio: false);
            foreach (var run in group.Where(r => r.Skipped is null))
            {
                var source = run.SegmentDataMeasured
                    ? "measured: streamhub_hls_segment_memory_bytes{state=\"in_use\"} from /metrics at the end of the window, per stream"
                    : run.SegmentDataPerStreamMb == 0 ? "none in its own memory (fragments on tmpfs)" : "estimated (the server reported none)";
                text.AppendLine(invariant, $"({run.Server} segment data: {source})");
            }
            foreach (var skipped in group.Where(r => r.Skipped is not null))
            {
                text.AppendLine(invariant, $"({skipped.Server} skipped: {skipped.Skipped})");
            }
        }
        return text.ToString();
    }
}
