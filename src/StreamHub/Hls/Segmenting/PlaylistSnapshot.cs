namespace StreamHub.Hls.Segmenting;

/// <summary>One immutable view of a stream's playlist: the rendered playlist bytes and every segment still fetchable
/// (the listed window plus the ones that left it recently), contiguous by sequence number. Readers take a snapshot
/// without locking; the segmenter swaps in a new one after each change.</summary>
public sealed class PlaylistSnapshot(byte[] playlist, Segment[] segments, bool ended)
{
    public static readonly PlaylistSnapshot Empty = new([], [], false);

    /// <summary>The playlist, UTF-8. Empty before the first segment is finished.</summary>
    public ReadOnlyMemory<byte> Playlist { get; } = playlist;

    public bool HasPlaylist => Playlist.Length > 0;

    public bool Ended { get; } = ended;

    public IReadOnlyList<Segment> Segments => segments;

    public Segment? FindSegment(long sequence)
    {
        if (segments.Length == 0)
        {
            return null;
        }
        var index = sequence - segments[0].Sequence;
        return index >= 0 && index < segments.Length ? segments[index] : null;
    }
}
