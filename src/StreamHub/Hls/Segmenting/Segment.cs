using StreamHub.Hls.Playlists;

namespace StreamHub.Hls.Segmenting;

/// <summary>A finished MPEG-TS segment: immutable bytes served as they are to every request.</summary>
public sealed class Segment(PlaylistEntry entry, ReadOnlyMemory<byte> data)
{
    public PlaylistEntry Entry { get; } = entry;
    public long Sequence => Entry.Sequence;
    public ReadOnlyMemory<byte> Data { get; } = data;
}
