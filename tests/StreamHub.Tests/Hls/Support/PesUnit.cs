namespace StreamHub.Tests.Hls.Support;

/// <summary>One PES packet of an MPEG-TS segment, read back by <see cref="TsPesReader"/>: its PID, the stream type the
/// PMT gives that PID (0x1B H.264, 0x0F AAC in ADTS), its 90 kHz timestamps and its whole payload.</summary>
public sealed record PesUnit(int Pid, byte StreamType, long Pts, long Dts, byte[] Payload)
{
    public const byte H264 = 0x1B;
    public const byte AdtsAac = 0x0F;
}
