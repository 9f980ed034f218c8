using StreamHub.Diagnostics.Metrics;

namespace StreamHub.Cluster;

/// <summary>The node's identity and its link to the store on <c>/metrics</c>. Prometheus scrapes each node as its own
/// target, so every series already carries the node's <c>instance</c> label; a <c>node</c> label on each series would
/// repeat it. Instead <c>streamhub_node_info{node="..."} 1</c>, the info-metric convention (like <c>build_info</c>),
/// maps the instance to its cluster node id for a join (<c>* on(instance) group_left(node)</c>).</summary>
public sealed class ClusterMetrics
{
    public ClusterMetrics(StreamHubMetrics metrics, ClusterNode node, EdgeCache edge)
    {
        var nodeTag = new KeyValuePair<string, object?>("node", node.NodeId);
        metrics.Meter.CreateObservableGauge("streamhub_node_info", () => new System.Diagnostics.Metrics.Measurement<int>(1, nodeTag), null,
            "Always 1; its node label is this node's StreamHub:Cluster:NodeId.");
        if (node.Enabled)
        {
            metrics.Meter.CreateObservableGauge("streamhub_cluster_store_up", () => node.Health.Reachable ? 1 : 0, null,
                "1 while this node reaches the shared PostgreSQL store (its last heartbeat or publish did), 0 while it does not.");
            metrics.Meter.CreateObservableCounter("streamhub_cluster_placement_reads_total", () => node.Store!.PlacementReads, null,
                "Reads of the whole stream placement table by this node (at most one a second, however many names its viewers ask for).");
        }
        if (node.Enabled && node.Options.ProxiesPlayback)
        {
            metrics.Meter.CreateObservableCounter("streamhub_edge_cache_hits_total", () => edge.Hits, null,
                "HLS requests for streams live on other nodes answered from this edge's cache or from a fetch already under way for the same URL.");
            metrics.Meter.CreateObservableCounter("streamhub_edge_cache_misses_total", () => edge.Misses, null,
                "HLS requests for streams live on other nodes that started a fetch from the origin node.");
            metrics.Meter.CreateObservableCounter("streamhub_edge_origin_fetches_total", () => new[]
            {
                new System.Diagnostics.Metrics.Measurement<long>(edge.OriginFetches - edge.OriginFailures, new KeyValuePair<string, object?>("result", "answered")),
                new System.Diagnostics.Metrics.Measurement<long>(edge.OriginFailures, new KeyValuePair<string, object?>("result", "failed")),
            }, null, "Requests this edge sent to origin nodes: answered (any status), or failed (no connection or no answer in time: 502/504).");
            metrics.Meter.CreateObservableGauge("streamhub_edge_cache_bytes", () => edge.Bytes, "By",
                "Bytes this edge keeps of other nodes' segments, parts, init segments and playlists (bounded by StreamHub:Cluster:EdgeCacheMegabytes).");
        }
    }
}
