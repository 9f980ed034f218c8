namespace StreamHub.Hls.Ts;

/// <summary>The 6-byte program_clock_reference field of an adaptation field (ISO/IEC 13818-1 §2.4.3.5):
/// <c>base:33 reserved:6 (all 1) extension:9</c>. This muxer keeps the clock at 90 kHz, so the 27 MHz extension is
/// 0.</summary>
public static class Pcr
{
    public static void Write(Span<byte> destination, long pcrBase)
    {
        var b = pcrBase & PesHeader.TimestampMask;
        const int extension = 0;
        destination[0] = (byte)(b >> 25);
        destination[1] = (byte)(b >> 17);
        destination[2] = (byte)(b >> 9);
        destination[3] = (byte)(b >> 1);
        destination[4] = (byte)(((b & 1) << 7) | 0x7E | (extension >> 8));
        destination[5] = extension & 0xFF;
    }
}
