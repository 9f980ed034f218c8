using System.Globalization;
using System.Text;

namespace StreamHub.LoadTest;

/// <summary>The fan-out table: one block per player count; StreamHub RTMP | nginx-rtmp RTMP | ratio | StreamHub
/// HTTP-FLV.</summary>
public static class FanOutReport
{
    public static string Line(FanOutResult r) => string.Create(CultureInfo.InvariantCulture,
        $"  => {r.Server} {r.Protocol} × {r.Players}: {r.PlayersUp} up ({r.ConnectFailures} failed), CPU {r.ServerCpuPercent:F1} % " +
        $"(baseline {r.BaselineCpuPercent:F1}, kernel {r.ServerKernelCpuPercent:F1}{Jit(r)}, host steal {r.HostStealPercent:F1}) = {r.CpuPerPlayerPercent:F4} %/player{LessJit(r)}, RSS {r.RssMb:F1} MB (baseline {r.BaselineRssMb:F1}) = " +
        $"{r.MemoryPerPlayerKb:F1} KB/player{Marginal(r)}, latency at the socket median {r.LatencyMedianMs:F2} ms p99 {r.LatencyP99Ms:F2} ms (n={r.LatencySamples}), " +
        $"at the player's read median {r.ReadLatencyMedianMs:F2} ms p99 {r.ReadLatencyP99Ms:F2} ms (" +
        $"unmatched {r.UnmatchedFrames}), delivered {r.DeliveredPercent:F1} %, disconnected {r.Disconnected}, behind {r.Behind}, " +
        $"out {r.MbitPerSecondOut:F0} Mbit/s in {r.ReceivesPerSecond:F0} receives/s, load generator CPU {r.LoadGeneratorCpuPercent:F1} %");

    private static string Jit(FanOutResult r) => double.IsNaN(r.JitCpuPercent) ? "" : string.Create(CultureInfo.InvariantCulture,
        $", JIT {r.JitCpuPercent:F2} (baseline's {r.BaselineJitCpuPercent:F2})");

    private static string LessJit(FanOutResult r) => double.IsNaN(r.JitCpuPercent) ? "" : string.Create(CultureInfo.InvariantCulture,
        $" ({r.CpuPerPlayerLessJitPercent:F4} less JIT)");

    private static string Marginal(FanOutResult r) => double.IsNaN(r.MarginalCpuPerPlayerPercent) ? "" : string.Create(CultureInfo.InvariantCulture,
        $" (marginal from the previous count: {r.MarginalCpuPerPlayerPercent:F4} %/player, {r.MarginalMemoryPerPlayerKb:F1} KB/player)");

    public static string Table(IReadOnlyList<FanOutResult> results, FlvClip clip, LoadTestOptions options)
    {
        var text = new StringBuilder();
        var invariant = CultureInfo.InvariantCulture;
        text.Append(string.Create(invariant, $"Fan-out: one {clip.BytesPerSecond * 8 / 1e6:F2} Mbit/s publisher, N players reading and discarding; "))
            .Append(string.Create(invariant, $"{Environment.ProcessorCount} cores shared by server, publisher and players; {options.FanOutSeconds} s windows. "))
            .AppendLine("Ratio = StreamHub / nginx-rtmp (RTMP).");
        foreach (var group in results.GroupBy(r => r.Players).OrderBy(g => g.Key))
        {
            var hub = group.FirstOrDefault(r => r is { Server: "StreamHub", Protocol: FanOutProtocol.Rtmp });
            var nginx = group.FirstOrDefault(r => r is { Server: "nginx-rtmp", Protocol: FanOutProtocol.Rtmp });
            var flv = group.FirstOrDefault(r => r is { Server: "StreamHub", Protocol: FanOutProtocol.HttpFlv });
            text.AppendLine();
            text.AppendLine(invariant, $"| {group.Key} players | StreamHub RTMP | nginx-rtmp RTMP | ratio | StreamHub HTTP-FLV | nginx-rtmp HTTP-FLV |");
            text.AppendLine("|---|---:|---:|---:|---:|---:|");
            void Row(string label, Func<FanOutResult, double> value, string format, bool ratio = true)
            {
                double? Value(FanOutResult? r) => r is { Skipped: null } ? value(r) : null;
                string Cell(FanOutResult? r) => r is null ? "–" : r.Skipped is not null ? "n/a"
                    : Value(r) is { } v && !double.IsNaN(v) ? v.ToString(format, invariant) : "–";
                var a = Value(hub);
                var b = Value(nginx);
                var q = ratio && a is { } x && b is { } y && y > 0 && !double.IsNaN(x) && !double.IsNaN(y) ? (x / y).ToString("F2", invariant) : "";
                text.AppendLine(invariant, $"| {label} | {Cell(hub)} | {Cell(nginx)} | {q} | {Cell(flv)} | n/a |");
            }
            Row("players up", r => r.PlayersUp, "F0", ratio: false);
            Row("  failed to start", r => r.ConnectFailures, "F0", ratio: false);
            Row("server CPU, % of a core per player", r => r.CpuPerPlayerPercent, "F4");
            Row("  less JIT compiling (window and baseline)", r => r.CpuPerPlayerLessJitPercent, "F4");
            Row("  marginal: from the previous count, per player added", r => r.MarginalCpuPerPlayerPercent, "F4");
            Row("server CPU, % of a core total", r => r.ServerCpuPercent, "F1");
            Row("  of which publisher-only baseline", r => r.BaselineCpuPercent, "F1", ratio: false);
            Row("  of which in the kernel (system time)", r => r.ServerKernelCpuPercent, "F1", ratio: false);
            Row("  of which JIT compiling (warm-up)", r => r.JitCpuPercent, "F2", ratio: false);
            Row("  the baseline's JIT compiling", r => r.BaselineJitCpuPercent, "F2", ratio: false);
            Row("host steal time over the window, % of a core", r => r.HostStealPercent, "F1", ratio: false);
            Row("memory per player (RSS − baseline) / N, KB", r => r.MemoryPerPlayerKb, "F1");
            Row("  marginal: from the previous count, per player added", r => r.MarginalMemoryPerPlayerKb, "F1");
            Row("server RSS at the end of the window, MB", r => r.RssMb, "F1");
            Row("  baseline RSS, MB", r => r.BaselineRssMb, "F1", ratio: false);
            Row("frame latency to the player's socket (kernel timestamp), median ms", r => r.LatencyMedianMs, "F2");
            Row("  p99 ms", r => r.LatencyP99Ms, "F2");
            Row("  max ms (bucket)", r => r.LatencyMaxBucketMs, "F1", ratio: false);
            Row("  samples (player × frame)", r => r.LatencySamples, "F0", ratio: false);
            Row("frame latency to the player's read, median ms", r => r.ReadLatencyMedianMs, "F2");
            Row("  p99 ms", r => r.ReadLatencyP99Ms, "F2");
            Row("video frames delivered, % of players × frames sent", r => r.DeliveredPercent, "F1", ratio: false);
            Row("players disconnected", r => r.Disconnected, "F0", ratio: false);
            Row("players behind by > 1 s at the end", r => r.Behind, "F0", ratio: false);
            Row("received by all players, Mbit/s", r => r.MbitPerSecondOut, "F0", ratio: false);
            Row("  in receives per second (all players)", r => r.ReceivesPerSecond, "F0", ratio: false);
            Row("load generator CPU (publisher + players), % of a core", r => r.LoadGeneratorCpuPercent, "F1", ratio: false);
            text.Append(RoundsTable([.. group]));
            foreach (var r in group.Where(r => r.Skipped is not null))
            {
                text.AppendLine(invariant, $"({r.Server} {r.Protocol}: not available — {r.Skipped})");
            }
            foreach (var r in group.Where(r => r.Skipped is null && (r.FirstConnectFailure ?? r.FirstDisconnect) is not null))
            {
                text.AppendLine(invariant, $"({r.Server} {r.Protocol}: first start failure: {r.FirstConnectFailure ?? "none"}; first disconnect: {r.FirstDisconnect ?? "none"})");
            }
        }
        return text.ToString();
    }

    /// <summary>StreamHub's and nginx-rtmp's RTMP figure in each round that measured both, with their ratio, in round
    /// order; <paramref name="value"/> picks the figure (NaN where a run has none).</summary>
    public static IReadOnlyList<(int Round, bool StreamHubFirst, double StreamHub, double Nginx, double Ratio)> Rounds(
        IReadOnlyList<FanOutResult> results, Func<FanOutResult, double> value) =>
        [.. results.Where(r => r is { Server: "StreamHub", Protocol: FanOutProtocol.Rtmp, Skipped: null })
            .Join(results.Where(r => r is { Server: "nginx-rtmp", Protocol: FanOutProtocol.Rtmp, Skipped: null }),
                hub => (hub.Round, hub.Players), nginx => (nginx.Round, nginx.Players), (hub, nginx) => (hub, nginx))
            .OrderBy(pair => pair.hub.Round)
            .Select(pair => (pair.hub.Round, IndexOf(results, pair.hub) < IndexOf(results, pair.nginx),
                value(pair.hub), value(pair.nginx), value(pair.hub) / value(pair.nginx)))];

    /// <summary>The median of the numbers that are not NaN; NaN when there are none.</summary>
    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Where(v => !double.IsNaN(v)).Order().ToArray();
        return sorted.Length == 0 ? double.NaN
            : sorted.Length % 2 == 1 ? sorted[sorted.Length / 2]
            : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private static int IndexOf(IReadOnlyList<FanOutResult> results, FanOutResult result)
    {
        for (var i = 0; i < results.Count; i++)
        {
            if (ReferenceEquals(results[i], result))
            {
                return i;
            }
        }
        return -1;
    }

    /// <summary>With more than one round (<c>--rounds</c>) in <paramref name="group"/> (one player count): each round's
    /// CPU per player and its ratio, then the medians, which is the figure that compares when single runs swing with
    /// the host. Empty with fewer than two rounds.</summary>
    public static string RoundsTable(IReadOnlyList<FanOutResult> group)
    {
        var perPlayer = Rounds(group, r => r.CpuPerPlayerPercent);
        if (perPlayer.Count < 2)
        {
            return "";
        }
        var text = new StringBuilder();
        var marginal = Rounds(group, r => r.MarginalCpuPerPlayerPercent);
        var invariant = CultureInfo.InvariantCulture;
        string Number(double v, string format) => double.IsNaN(v) ? "–" : v.ToString(format, invariant);
        text.AppendLine();
        text.AppendLine("| round | first | StreamHub, % of a core per player | nginx-rtmp | ratio | marginal StreamHub | marginal nginx-rtmp | ratio |");
        text.AppendLine("|---|---|---:|---:|---:|---:|---:|---:|");
        for (var i = 0; i < perPlayer.Count; i++)
        {
            var (round, streamHubFirst, hub, nginx, ratio) = perPlayer[i];
            var m = marginal[i];
            text.AppendLine(invariant, $"| {round} | {(streamHubFirst ? "StreamHub" : "nginx-rtmp")} | {Number(hub, "F4")} | {Number(nginx, "F4")} | {Number(ratio, "F2")} | {Number(m.StreamHub, "F4")} | {Number(m.Nginx, "F4")} | {Number(m.Ratio, "F2")} |");
        }
        return text.AppendLine(invariant, $"| median of {perPlayer.Count} | | {Number(Median(perPlayer.Select(r => r.StreamHub)), "F4")} | {Number(Median(perPlayer.Select(r => r.Nginx)), "F4")} | **{Number(Median(perPlayer.Select(r => r.Ratio)), "F2")}** | {Number(Median(marginal.Select(r => r.StreamHub)), "F4")} | {Number(Median(marginal.Select(r => r.Nginx)), "F4")} | {Number(Median(marginal.Select(r => r.Ratio)), "F2")} |").ToString();
    }
}
