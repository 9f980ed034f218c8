namespace StreamHub.Hls.Ts;

/// <summary>PMT stream_type (ISO/IEC 13818-1 Table 2-34) for the codecs this muxer carries.</summary>
public enum TsStreamType : byte
{
    /// <summary>ISO/IEC 13818-7 audio with ADTS transport syntax.</summary>
    AacAdts = 0x0F,

    /// <summary>ITU-T H.264 / ISO/IEC 14496-10 video.</summary>
    H264 = 0x1B,
}
