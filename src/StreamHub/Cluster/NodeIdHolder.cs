namespace StreamHub.Cluster;

/// <summary>Another process that holds this node's id: its row in <c>cluster_nodes</c> has a different instance id and
/// a heartbeat within the expiry.</summary>
public sealed record NodeIdHolder(string InstanceId, DateTimeOffset StartedAt, DateTimeOffset LastHeartbeat);
