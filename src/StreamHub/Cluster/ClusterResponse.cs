namespace StreamHub.Cluster;

/// <summary>The body of <c>GET /api/cluster</c>.</summary>
/// <param name="Enabled">false: one node (SQLite); the lists hold this node and its streams only.</param>
/// <param name="NodeId">The node that answered.</param>
/// <param name="Store">Whether that node reaches the shared store. When it does not, the lists are its own view.</param>
/// <param name="HeartbeatExpirySeconds">A node whose last heartbeat is older is expired and holds no streams.</param>
/// <param name="Nodes">Every node with a row in the store, alive or expired.</param>
/// <param name="Streams">Every live stream and the node that holds it.</param>
/// <param name="Relayed">The streams the answering node pulls from other nodes for its RTMP and HTTP-FLV players.</param>
public sealed record ClusterResponse(bool Enabled, string NodeId, ClusterStoreResponse Store, double HeartbeatIntervalSeconds,
    double HeartbeatExpirySeconds, IReadOnlyList<ClusterNodeResponse> Nodes, IReadOnlyList<ClusterStreamResponse> Streams,
    IReadOnlyList<ClusterRelayResponse> Relayed);
