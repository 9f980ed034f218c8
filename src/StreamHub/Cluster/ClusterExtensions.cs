using Microsoft.Extensions.Options;

namespace StreamHub.Cluster;

public static class ClusterExtensions
{
    /// <summary>Membership, placement and key-change notices on the shared PostgreSQL store; with SQLite the node
    /// stays alone and only <c>/api/cluster</c> (its own view) and <c>streamhub_node_info</c> are added.</summary>
    public static WebApplicationBuilder AddCluster(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<ClusterOptions>().BindConfiguration(ClusterOptions.Section).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<ClusterOptions>, ClusterOptionsValidator>();
        builder.Services.AddSingleton<ClusterNode>();
        builder.Services.AddSingleton<ClusterMetrics>();
        builder.Services.AddSingleton<EdgeCache>();
        builder.Services.AddSingleton<StreamPlacements>();
        builder.Services.AddSingleton<RemotePlayback>();
        builder.Services.AddSingleton<EdgePulls>();
        builder.Services.AddHostedService<ClusterHeartbeat>();
        builder.Services.AddHostedService<ClusterNotices>();
        return builder;
    }

    /// <summary>HLS requests for a stream live on another node are proxied (PlaybackMode=Proxy) or redirected there
    /// (PlaybackMode=Redirect).</summary>
    public static WebApplication UseClusterPlayback(this WebApplication app)
    {
        var remote = app.Services.GetRequiredService<RemotePlayback>();
        app.Use(remote.InvokeAsync);
        return app;
    }
}
