namespace StreamHub.Hls.Playlists;

/// <summary>What a live media playlist says at one moment.</summary>
/// <param name="TargetDuration">EXT-X-TARGETDURATION in whole seconds; fixed for the life of a stream.</param>
/// <param name="MediaSequence">The sequence number of the first entry (EXT-X-MEDIA-SEQUENCE).</param>
/// <param name="DiscontinuitySequence">EXT-X-DISCONTINUITY-SEQUENCE: discontinuity tags that have left the playlist.</param>
/// <param name="Ended">The publisher stopped: EXT-X-ENDLIST.</param>
public sealed record MediaPlaylist(int TargetDuration, long MediaSequence, long DiscontinuitySequence, bool Ended, IReadOnlyList<PlaylistEntry> Entries)
{
    /// <summary>Low-latency HLS: parts, the segment being written and the server's abilities; null for a playlist of
    /// whole segments.</summary>
    public PlaylistParts? Parts { get; init; }

    /// <summary>A delta update (<c>_HLS_skip=YES</c>): this many entries from the start are replaced by EXT-X-SKIP.</summary>
    public int SkippedSegments { get; init; }
}
