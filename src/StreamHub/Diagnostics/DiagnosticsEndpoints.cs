using StreamHub.Hls;
using StreamHub.Hosting;
using StreamHub.Live;
using StreamHub.Playback;

namespace StreamHub.Diagnostics;

/// <summary><c>/api/diagnostics</c>: what the server knows about itself.</summary>
public static class DiagnosticsEndpoints
{
    public static RouteGroupBuilder MapDiagnosticsEndpoints(this RouteGroupBuilder api)
    {
        api.MapGet("/diagnostics/ports", (ListenerTable listeners) => TypedResults.Ok(Reports(listeners)))
            .WithTags("Diagnostics")
            .WithName("ListPorts")
            .WithSummary("Every listener: address, port, protocols served, bound or the error that stopped it, connections now")
            .ProducesProblem(StatusCodes.Status401Unauthorized);
        var started = DateTimeOffset.UtcNow;
        var version = typeof(DiagnosticsEndpoints).Assembly
            .GetCustomAttributes(typeof(System.Reflection.AssemblyInformationalVersionAttribute), false)
            .OfType<System.Reflection.AssemblyInformationalVersionAttribute>().FirstOrDefault()?.InformationalVersion ?? "unknown";
        api.MapGet("/stats", (ListenerTable listeners, LiveStreamRegistry live, TrafficCounters traffic, HlsPackager hls, PlayerRegistry players,
            TimeProvider time) => TypedResults.Ok(new ServerStats(
                version,
                started,
                (long)(time.GetUtcNow() - started).TotalSeconds,
                live.All.Count,
                live.TotalPublishes,
                live.TotalBytesReceived,
                traffic.BytesSent,
                Reports(listeners),
                SegmentMemoryReport.Of(hls.Blocks),
                players.Total)))
            .WithTags("Diagnostics")
            .WithName("ServerStats")
            .WithSummary("The server at a glance: version, uptime, streams live, bytes in and out, connections per listener, HLS segment memory, RTMP and HTTP-FLV players")
            .ProducesProblem(StatusCodes.Status401Unauthorized);
        return api;
    }

    private static ListenerReport[] Reports(ListenerTable listeners) => listeners.All
        .Select(l => new ListenerReport(l.Name, l.Address, l.Port, l.Protocols, l.State.ToString().ToLowerInvariant(), l.Error, l.Connections, l.Setting))
        .ToArray();
}
