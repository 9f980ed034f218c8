namespace StreamHub.Cluster;

/// <summary><c>GET /api/cluster</c>: the nodes, their health and load, and which node holds each live stream.</summary>
public static class ClusterEndpoints
{
    public static RouteGroupBuilder MapClusterEndpoints(this RouteGroupBuilder api)
    {
        api.MapGet("/cluster", (ClusterNode node, EdgePulls pulls, CancellationToken cancellationToken) => ReadAsync(node, pulls, cancellationToken))
            .WithTags("Cluster")
            .WithName("GetCluster")
            .WithSummary("The nodes (URLs, alive or expired, heartbeat age, streams, viewers, CPU), the node each live stream is on, and the streams this node pulls from others")
            .WithDescription("From the shared PostgreSQL store. With SQLite (one node), or while this node cannot reach the store " +
                "(store.reachable false), the lists are this node's own view: itself and its live streams.")
            .ProducesProblem(StatusCodes.Status401Unauthorized);
        return api;
    }

    public static async Task<ClusterResponse> ReadAsync(ClusterNode node, EdgePulls pulls, CancellationToken cancellationToken)
    {
        var options = node.Options;
        if (node.Store is not null)
        {
            try
            {
                var snapshot = await node.Store.ReadAsync(cancellationToken);
                node.ReportStoreReachable();
                var alive = snapshot.Nodes.Where(n => n.HeartbeatAge < options.HeartbeatExpiry).Select(n => n.Id).ToHashSet(StringComparer.Ordinal);
                return Response(node, pulls,
                    snapshot.Nodes.Select(n => new ClusterNodeResponse(n.Id, n.PublicUrls, alive.Contains(n.Id) ? "alive" : "expired", n.StartedAt,
                        Math.Round(n.HeartbeatAge.TotalSeconds, 1), n.Streams, n.Viewers, n.CpuPercent, n.Id == node.NodeId)).ToArray(),
                    // A placement of an expired node is released on the next heartbeat of any node; it is not live now.
                    snapshot.Placements.Where(p => alive.Contains(p.NodeId)).Select(p => new ClusterStreamResponse(p.Name, p.NodeId, p.Since)).ToArray());
            }
            catch (Exception ex) when (StoreFailure.Is(ex))
            {
                node.ReportStoreFailure(ex);
            }
        }
        var load = node.CurrentLoad();
        var self = new ClusterNodeResponse(node.NodeId, options.ResolvedPublicUrls, "alive", node.StartedAt, null, load.Streams, load.Viewers,
            load.CpuPercent, true);
        return Response(node, pulls, [self], node.LiveStreams().Select(s => new ClusterStreamResponse(s.Name, node.NodeId, s.StartedAt)).ToArray());
    }

    private static ClusterResponse Response(ClusterNode node, EdgePulls pulls, IReadOnlyList<ClusterNodeResponse> nodes,
        IReadOnlyList<ClusterStreamResponse> streams)
    {
        var health = node.Health;
        var relayed = pulls.All.Where(p => p.Opened.IsCompletedSuccessfully && p.Opened.Result)
            .Select(p => new ClusterRelayResponse(p.Stream.Name, p.Origin.Node, p.Url.ToString(), p.Stream.SubscriberCount, p.Stream.StartedAt))
            .OrderBy(r => r.Name, StringComparer.Ordinal).ToArray();
        return new ClusterResponse(node.Enabled, node.NodeId, new ClusterStoreResponse(health.Reachable, health.Error, health.Since),
            node.Options.HeartbeatIntervalSeconds, node.Options.HeartbeatExpirySeconds, nodes, streams, relayed);
    }
}
