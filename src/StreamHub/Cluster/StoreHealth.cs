namespace StreamHub.Cluster;

/// <summary>Whether this node reaches the shared store, as its last heartbeat (or publish) found it.</summary>
/// <param name="Reachable">The last attempt succeeded.</param>
/// <param name="Error">Why the last attempt failed; null when reachable.</param>
/// <param name="Since">When it became so.</param>
public sealed record StoreHealth(bool Reachable, string? Error, DateTimeOffset Since);
