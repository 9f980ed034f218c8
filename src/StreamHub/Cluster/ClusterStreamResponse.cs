namespace StreamHub.Cluster;

/// <summary>A live stream of <c>GET /api/cluster</c> and the node it is live on.</summary>
public sealed record ClusterStreamResponse(string Name, string Node, DateTimeOffset Since);
