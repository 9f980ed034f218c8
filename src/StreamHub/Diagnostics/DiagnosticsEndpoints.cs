using StreamHub.Hosting;

namespace StreamHub.Diagnostics;

/// <summary><c>/api/diagnostics</c>: what the server knows about itself.</summary>
public static class DiagnosticsEndpoints
{
    public static RouteGroupBuilder MapDiagnosticsEndpoints(this RouteGroupBuilder api)
    {
        api.MapGet("/diagnostics/ports", (ListenerTable listeners) => TypedResults.Ok(listeners.All
                .Select(l => new ListenerReport(l.Name, l.Address, l.Port, l.Protocols, l.State.ToString().ToLowerInvariant(), l.Error, l.Connections, l.Setting))
                .ToArray()))
            .WithTags("Diagnostics")
            .WithName("ListPorts")
            .WithSummary("Every listener: address, port, protocols served, bound or the error that stopped it, connections now")
            .ProducesProblem(StatusCodes.Status401Unauthorized);
        return api;
    }
}
