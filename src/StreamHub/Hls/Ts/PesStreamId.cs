namespace StreamHub.Hls.Ts;

/// <summary>PES stream_id (ISO/IEC 13818-1 Table 2-22): the first video and the first audio stream.</summary>
public enum PesStreamId : byte
{
    Audio = 0xC0,
    Video = 0xE0,
}
