namespace StreamHub.Hls.Playlists;

/// <summary>The low-latency side of a media playlist (RFC 8216bis §4.4.3.7, §4.4.4.9, §4.4.5.3).</summary>
/// <param name="PartTarget">EXT-X-PART-INF's PART-TARGET: no part is longer.</param>
/// <param name="Parts">The parts listed, in order: those of the last few finished segments, then the segment being
/// written.</param>
/// <param name="Open">The segment being written, for the tags before its parts (discontinuity, map, date); null when
/// none is.</param>
/// <param name="PreloadHint">The part being written now (EXT-X-PRELOAD-HINT); null when none is.</param>
/// <param name="CanSkipUntil">EXT-X-SERVER-CONTROL's CAN-SKIP-UNTIL: how old a segment must be for a delta update to
/// leave it out.</param>
public sealed record PlaylistParts(TimeSpan PartTarget, IReadOnlyList<PartEntry> Parts, PlaylistEntry? Open, PartEntry? PreloadHint, TimeSpan CanSkipUntil)
{
    /// <summary>PART-HOLD-BACK: how far from the live edge a player stays, three part targets (the spec's least).</summary>
    public TimeSpan PartHoldBack => PartTarget * 3;
}
