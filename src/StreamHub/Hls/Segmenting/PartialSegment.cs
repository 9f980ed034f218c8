using System.Buffers;
using StreamHub.Hls.Playlists;

namespace StreamHub.Hls.Segmenting;

/// <summary>One part of a segment (low-latency HLS): a run of whole frames, one fMP4 fragment, whose bytes are a slice
/// of its segment's blocks. Lease <see cref="Segment"/> to keep <see cref="Data"/> valid while it is sent.</summary>
public sealed class PartialSegment(Segment segment, PartEntry entry, ReadOnlySequence<byte> data)
{
    public Segment Segment { get; } = segment;

    public PartEntry Entry { get; } = entry;

    public ReadOnlySequence<byte> Data { get; } = data;
}
