using StreamHub.Diagnostics.Metrics;

namespace StreamHub.Cluster;

/// <summary>The node's identity and its link to the store on <c>/metrics</c>. Prometheus scrapes each node as its own
/// target, so every series already carries the node's <c>instance</c> label; a <c>node</c> label on each series would
/// repeat it. Instead <c>streamhub_node_info{node="..."} 1</c>, the info-metric convention (like <c>build_info</c>),
/// maps the instance to its cluster node id for a join (<c>* on(instance) group_left(node)</c>).</summary>
public sealed class ClusterMetrics
{
    public ClusterMetrics(StreamHubMetrics metrics, ClusterNode node)
    {
        var nodeTag = new KeyValuePair<string, object?>("node", node.NodeId);
        metrics.Meter.CreateObservableGauge("streamhub_node_info", () => new System.Diagnostics.Metrics.Measurement<int>(1, nodeTag), null,
            "Always 1; its node label is this node's StreamHub:Cluster:NodeId.");
        if (node.Enabled)
        {
            metrics.Meter.CreateObservableGauge("streamhub_cluster_store_up", () => node.Health.Reachable ? 1 : 0, null,
                "1 while this node reaches the shared PostgreSQL store (its last heartbeat or publish did), 0 while it does not.");
        }
    }
}
