namespace StreamHub.Cluster;

/// <summary>A stream of <c>GET /api/cluster</c> that the answering node pulls from its origin over RTMP.</summary>
/// <param name="Origin">The node it is live on.</param>
/// <param name="Url">The origin's rtmp:// URL pulled from.</param>
/// <param name="Players">This node's RTMP and HTTP-FLV players of it now.</param>
public sealed record ClusterRelayResponse(string Name, string Origin, string Url, int Players, DateTimeOffset Since);
