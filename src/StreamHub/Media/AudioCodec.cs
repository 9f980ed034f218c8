namespace StreamHub.Media;

/// <summary>Audio codecs an encoder may send: legacy FLV sound format 10 (AAC) and 2 (MP3), or an Enhanced RTMP FourCC.</summary>
public enum AudioCodec : byte
{
    None = 0,
    Aac,
    Mp3,
    Opus,
    Flac,
    Ac3,
    Eac3,
    Unknown,
}
