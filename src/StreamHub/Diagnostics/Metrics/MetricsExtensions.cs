namespace StreamHub.Diagnostics.Metrics;

public static class MetricsExtensions
{
    public static WebApplicationBuilder AddStreamHubMetrics(this WebApplicationBuilder builder)
    {
        builder.Services.AddMetrics();
        builder.Services.AddSingleton<StreamHubMetrics>();
        builder.Services.AddSingleton<PrometheusExporter>();
        builder.Services.AddSingleton<TrafficCounters>();
        return builder;
    }

    /// <summary><c>GET /metrics</c>: Prometheus text format. Like <c>/healthz</c> it needs no admin key (scrapers
    /// rarely send one); restrict it with StreamHub:Access:Admin rules or the network if that matters.</summary>
    public static IEndpointRouteBuilder MapMetricsEndpoint(this IEndpointRouteBuilder app)
    {
        // Created at start-up so counters count from the first frame, not from the first scrape.
        var exporter = app.ServiceProvider.GetRequiredService<PrometheusExporter>();
        app.MapGet("/metrics", () => Results.Text(exporter.Scrape(), "text/plain; version=0.0.4; charset=utf-8"))
            .ExcludeFromDescription();
        return app;
    }
}
