namespace StreamHub.Cluster;

/// <summary>A node as the store sees it now; <see cref="HeartbeatAge"/> is measured by the database's clock, so nodes
/// whose clocks differ still agree on who is alive.</summary>
public sealed record ClusterNodeView(string Id, IReadOnlyList<string> PublicUrls, DateTimeOffset StartedAt, TimeSpan HeartbeatAge,
    int Streams, int Viewers, double CpuPercent);
