namespace StreamHub.Hls.Ts;

/// <summary>CRC-32/MPEG-2 for PSI sections (ISO/IEC 13818-1 Annex A): polynomial 0x04C11DB7, initial value
/// 0xFFFFFFFF, no reflection, no final xor.</summary>
public static class Crc32Mpeg2
{
    private static readonly uint[] Table = BuildTable();

    public static uint Compute(ReadOnlySpan<byte> data)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in data)
        {
            crc = (crc << 8) ^ Table[((crc >> 24) ^ b) & 0xFF];
        }
        return crc;
    }

    private static uint[] BuildTable()
    {
        var table = new uint[256];
        for (uint i = 0; i < 256; i++)
        {
            var crc = i << 24;
            for (var bit = 0; bit < 8; bit++)
            {
                crc = (crc & 0x80000000) != 0 ? (crc << 1) ^ 0x04C11DB7u : crc << 1;
            }
            table[i] = crc;
        }
        return table;
    }
}
