namespace StreamHub.Cluster;

/// <summary>The answering node's link to the shared store.</summary>
/// <param name="Reachable">Its last heartbeat or publish reached the store.</param>
/// <param name="Error">Why not, when it did not.</param>
/// <param name="Since">Since when it has been so.</param>
public sealed record ClusterStoreResponse(bool Reachable, string? Error, DateTimeOffset Since);
