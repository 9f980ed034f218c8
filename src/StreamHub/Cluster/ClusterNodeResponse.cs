namespace StreamHub.Cluster;

/// <summary>One node of <c>GET /api/cluster</c>.</summary>
/// <param name="Id">StreamHub:Cluster:NodeId.</param>
/// <param name="PublicUrls">StreamHub:Cluster:PublicUrls: where viewers and other nodes reach it.</param>
/// <param name="Health"><c>alive</c> (heartbeat within the expiry) or <c>expired</c>.</param>
/// <param name="LastHeartbeatAgeSeconds">Seconds since its last heartbeat, by the store's clock; null in a node's
/// own view when the store is unreachable.</param>
/// <param name="Streams">Streams live on it.</param>
/// <param name="Viewers">HLS viewers plus RTMP and HTTP-FLV players on it.</param>
/// <param name="CpuPercent">Its process's share of all its cores over the last heartbeat interval.</param>
/// <param name="Self">The node that answered.</param>
public sealed record ClusterNodeResponse(string Id, IReadOnlyList<string> PublicUrls, string Health, DateTimeOffset StartedAt,
    double? LastHeartbeatAgeSeconds, int Streams, int Viewers, double CpuPercent, bool Self);
