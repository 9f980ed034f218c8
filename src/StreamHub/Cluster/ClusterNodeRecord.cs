namespace StreamHub.Cluster;

/// <summary>A node's row in <c>cluster_nodes</c>: written by the node on every heartbeat, read by all.</summary>
public sealed class ClusterNodeRecord
{
    public required string Id { get; set; }

    /// <summary>The node's public URLs, separated by spaces (a URL holds none).</summary>
    /// <summary>The process start that wrote the row (<see cref="ClusterNode.InstanceId"/>).</summary>
    public string InstanceId { get; set; } = "";

    public string PublicUrls { get; set; } = "";

    public DateTimeOffset StartedAt { get; set; }
    public DateTimeOffset LastHeartbeat { get; set; }
    public int Streams { get; set; }
    public int Viewers { get; set; }
    public double CpuPercent { get; set; }
}
