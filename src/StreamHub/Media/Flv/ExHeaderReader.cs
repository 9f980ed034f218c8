using System.Buffers;

namespace StreamHub.Media.Flv;

/// <summary>Pieces shared by the Enhanced RTMP audio and video headers.</summary>
internal static class ExHeaderReader
{
    public const int VideoMultitrack = 6;
    public const int VideoModEx = 7;
    public const int AudioMultitrack = 5;
    public const int AudioModEx = 7;

    public static bool TryReadFourCc(ref SequenceReader<byte> reader, out uint fourCc)
    {
        var ok = reader.TryReadBigEndian(out int value);
        fourCc = (uint)value;
        return ok;
    }

    /// <summary>Skips ModEx blocks (v2): size-1 as u8 (255 → u16 size-1 follows), the data, then
    /// modExType(4) nextPacketType(4). The nanosecond offset they may carry is below the millisecond clock, so it is
    /// not applied.</summary>
    public static bool TrySkipModEx(ref SequenceReader<byte> reader, ref int packetType, int modEx)
    {
        while (packetType == modEx)
        {
            if (!reader.TryRead(out var small))
            {
                return false;
            }
            int size = small + 1;
            if (size == 256)
            {
                if (!reader.TryReadBigEndian(out short large))
                {
                    return false;
                }
                size = (ushort)large + 1;
            }
            if (reader.Remaining < size + 1)
            {
                return false;
            }
            reader.Advance(size);
            reader.TryRead(out var next);
            packetType = next & 0x0F;
        }
        return true;
    }
}
