namespace StreamHub.Media;

public enum MediaFrameKind : byte
{
    /// <summary>Codec configuration: AVCDecoderConfigurationRecord, hvcC, av1C, AudioSpecificConfig, ...</summary>
    SequenceHeader,

    /// <summary>Coded media: for AVC/HEVC, length-prefixed NAL units (AVCC); for AAC, one raw access unit.</summary>
    Coded,

    /// <summary>End of sequence.</summary>
    EndOfSequence,
}
