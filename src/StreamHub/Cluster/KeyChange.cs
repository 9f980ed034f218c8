namespace StreamHub.Cluster;

/// <summary>A change to a stream's key made through one node, which the node holding the stream applies.</summary>
public enum KeyChange
{
    Deleted,
    Rotated,
    Updated,
}
