namespace StreamHub.Live;

/// <summary>What the encoder's sequence headers say about a track (parsed once, when the header arrives).</summary>
/// <param name="Codec">e.g. H264, Hevc, Aac.</param>
/// <param name="CodecString">RFC 6381 codec string where known (avc1.64001F, mp4a.40.2).</param>
public sealed record TrackInfo(string Codec, string? CodecString, int? Width = null, int? Height = null, int? SampleRate = null, int? Channels = null);
