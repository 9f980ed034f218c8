namespace StreamHub.Cluster;

/// <summary>The payload of a NOTIFY on <see cref="ClusterStore.Channel"/>: which stream changed how, on which node,
/// and whether its live publisher should be disconnected. Never a key.</summary>
public sealed record KeyChangeNotice(string From, KeyChange Change, string Name, bool Disconnect);
