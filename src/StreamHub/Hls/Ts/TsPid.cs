namespace StreamHub.Hls.Ts;

/// <summary>The PIDs this muxer uses: FFmpeg's layout, so captures compare easily with <c>ffmpeg -f mpegts</c>.</summary>
public enum TsPid : ushort
{
    Pat = 0x0000,
    Pmt = 0x1000,
    Video = 0x0100,
    Audio = 0x0101,
}
