namespace StreamHub.Cluster;

/// <summary>What a heartbeat found: whether this node's row was current before it (false on the first beat and after
/// the node was expired, e.g. while it could not reach the store), and the names this node serves that another
/// live node holds meanwhile. When <see cref="IdHeldBy"/> is set, another process with this node id beats: nothing was
/// written.</summary>
public sealed record HeartbeatOutcome(bool WasAlive, IReadOnlyList<StreamPlacementRecord> HeldElsewhere, NodeIdHolder? IdHeldBy = null);
