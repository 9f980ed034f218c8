namespace StreamHub.Media;

/// <summary>Video codecs an encoder may send: legacy FLV codec id 7 (AVC), or an Enhanced RTMP FourCC.</summary>
public enum VideoCodec : byte
{
    None = 0,
    H264,
    Hevc,
    Av1,
    Vp9,
    Vp8,
    Vvc,
    Unknown,
}
