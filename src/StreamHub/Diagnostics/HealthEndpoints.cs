using Microsoft.EntityFrameworkCore;
using StreamHub.Hosting;
using StreamHub.StreamKeys;

namespace StreamHub.Diagnostics;

/// <summary><c>/healthz</c>: the process answers. <c>/readyz</c>: every listener is bound and the database answers.</summary>
public static class HealthEndpoints
{
    public static IEndpointRouteBuilder MapHealthEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/healthz", () => TypedResults.Ok(new { status = "ok" }))
            .WithTags("Health").WithSummary("Liveness: the process is up").ExcludeFromDescription();

        app.MapGet("/readyz", async (ListenerTable listeners, StreamKeyDbContext db, CancellationToken cancellationToken) =>
        {
            var databaseReachable = await CanConnectAsync(db, cancellationToken);
            var body = new
            {
                status = databaseReachable && listeners.AllBound ? "ready" : "not ready",
                database = databaseReachable ? "reachable" : "unreachable",
                listeners = listeners.All.Select(l => new
                {
                    name = l.Name,
                    port = l.Port,
                    state = l.State.ToString().ToLowerInvariant(),
                    error = l.Error,
                }),
            };
            return databaseReachable && listeners.AllBound
                ? Results.Ok(body)
                : Results.Json(body, statusCode: StatusCodes.Status503ServiceUnavailable);
        }).WithTags("Health").WithSummary("Readiness: listeners bound and database reachable").ExcludeFromDescription();

        return app;
    }

    private static async Task<bool> CanConnectAsync(StreamKeyDbContext db, CancellationToken cancellationToken)
    {
        try
        {
            return await db.Database.CanConnectAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return false;
        }
    }
}
