namespace StreamHub.Cluster;

/// <summary>Every node and every placement, read in one transaction.</summary>
public sealed record ClusterSnapshot(IReadOnlyList<ClusterNodeView> Nodes, IReadOnlyList<StreamPlacementRecord> Placements);
