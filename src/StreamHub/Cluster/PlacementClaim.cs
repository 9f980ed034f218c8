namespace StreamHub.Cluster;

/// <summary>The answer to a claim of a stream name: held by this node now, or by <see cref="Holder"/>, another node
/// whose heartbeat is current.</summary>
public readonly record struct PlacementClaim(bool Claimed, string? Holder)
{
    public static PlacementClaim Ours => new(true, null);
}
