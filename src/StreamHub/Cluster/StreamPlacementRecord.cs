namespace StreamHub.Cluster;

/// <summary>A row of <c>stream_placements</c>: the stream of this public name is live on that node. The name is the
/// primary key, so one node at a time can hold it.</summary>
public sealed class StreamPlacementRecord
{
    public required string Name { get; set; }
    public required string NodeId { get; set; }
    public DateTimeOffset Since { get; set; }
}
