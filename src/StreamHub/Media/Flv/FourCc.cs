namespace StreamHub.Media.Flv;

/// <summary>Enhanced RTMP codec FourCCs, as big-endian UI32.</summary>
public static class FourCc
{
    public const uint Avc1 = 0x61766331; // avc1
    public const uint Hvc1 = 0x68766331; // hvc1
    public const uint Av01 = 0x61763031; // av01
    public const uint Vp09 = 0x76703039; // vp09
    public const uint Vp08 = 0x76703038; // vp08
    public const uint Vvc1 = 0x76766331; // vvc1
    public const uint Mp4a = 0x6D703461; // mp4a
    public const uint Opus = 0x4F707573; // Opus
    public const uint Flac = 0x664C6143; // fLaC
    public const uint Ac3 = 0x61632D33;  // ac-3
    public const uint Eac3 = 0x65632D33; // ec-3
    public const uint Mp3 = 0x2E6D7033;  // .mp3

    public static VideoCodec ToVideoCodec(uint fourCc) => fourCc switch
    {
        Avc1 => VideoCodec.H264,
        Hvc1 => VideoCodec.Hevc,
        Av01 => VideoCodec.Av1,
        Vp09 => VideoCodec.Vp9,
        Vp08 => VideoCodec.Vp8,
        Vvc1 => VideoCodec.Vvc,
        _ => VideoCodec.Unknown,
    };

    public static AudioCodec ToAudioCodec(uint fourCc) => fourCc switch
    {
        Mp4a => AudioCodec.Aac,
        Opus => AudioCodec.Opus,
        Flac => AudioCodec.Flac,
        Ac3 => AudioCodec.Ac3,
        Eac3 => AudioCodec.Eac3,
        Mp3 => AudioCodec.Mp3,
        _ => AudioCodec.Unknown,
    };
}
