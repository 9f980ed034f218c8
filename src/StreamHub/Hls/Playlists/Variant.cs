namespace StreamHub.Hls.Playlists;

/// <summary>One variant of a multivariant playlist (RFC 8216bis §4.4.6.2, EXT-X-STREAM-INF).</summary>
/// <param name="Bandwidth">BANDWIDTH: the peak segment bit rate, bits per second.</param>
/// <param name="AverageBandwidth">AVERAGE-BANDWIDTH, bits per second; null when not measured yet.</param>
/// <param name="Codecs">CODECS: RFC 6381 strings of every format in the variant, e.g. <c>avc1.64001f,mp4a.40.2</c>;
/// null when not known.</param>
/// <param name="FrameRate">FRAME-RATE, frames per second; null when not measured yet.</param>
/// <param name="Uri">The media playlist, relative to the multivariant one.</param>
public sealed record Variant(long Bandwidth, long? AverageBandwidth, string? Codecs, int? Width, int? Height, double? FrameRate, string Uri);
