namespace StreamHub.Hls.Fmp4;

/// <summary>The codecs an fMP4 track can carry, each with its sample entry: <c>avc1</c>+<c>avcC</c>,
/// <c>hvc1</c>+<c>hvcC</c>, <c>av01</c>+<c>av1C</c>, <c>mp4a</c>+<c>esds</c>.</summary>
public enum Fmp4Codec : byte
{
    Avc,
    Hevc,
    Av1,
    Aac,
}
