namespace StreamHub.Media;

/// <summary>Reads a bitstream most significant bit first, as the H.264, H.265 and AV1 headers are written: fixed-width
/// fields, Exp-Golomb codes (H.264 §9.1, H.265 §9.2) and AV1's uvlc (AV1 §4.10.3). Reading past the end throws
/// <see cref="EndOfStreamException"/>, which each header parser turns into <c>false</c>.</summary>
internal ref struct BitReader(ReadOnlySpan<byte> data)
{
    private readonly ReadOnlySpan<byte> _data = data;
    private int _bit;

    public bool Bit()
    {
        if (_bit >= _data.Length * 8)
        {
            throw new EndOfStreamException();
        }
        var value = (_data[_bit >> 3] >> (7 - (_bit & 7))) & 1;
        _bit++;
        return value == 1;
    }

    /// <summary>Up to 31 bits as an unsigned value.</summary>
    public int Bits(int count)
    {
        var value = 0;
        for (var i = 0; i < count; i++)
        {
            value = (value << 1) | (Bit() ? 1 : 0);
        }
        return value;
    }

    public void Skip(int count)
    {
        if (_bit + count > _data.Length * 8)
        {
            throw new EndOfStreamException();
        }
        _bit += count;
    }

    public int UnsignedExpGolomb()
    {
        var zeros = 0;
        while (!Bit())
        {
            if (++zeros > 30)
            {
                throw new EndOfStreamException(); // larger than any parameter-set field may be
            }
        }
        return (1 << zeros) - 1 + Bits(zeros);
    }

    public int SignedExpGolomb()
    {
        var code = UnsignedExpGolomb();
        return (code & 1) == 1 ? (code + 1) / 2 : -(code / 2);
    }

    /// <summary>AV1 uvlc() (§4.10.3): the same shape as an Exp-Golomb code; only skipped here.</summary>
    public void SkipUvlc()
    {
        var zeros = 0;
        while (!Bit())
        {
            if (++zeros >= 32)
            {
                return; // the spec's "value is 2^32 - 1"
            }
        }
        Skip(zeros);
    }

    /// <summary>The RBSP of an H.264 or H.265 NAL unit: drops the 0x03 of every <c>00 00 03</c> (H.264 §7.4.1,
    /// H.265 §7.4.2).</summary>
    public static byte[] RemoveEmulationPrevention(ReadOnlySpan<byte> data)
    {
        var output = new byte[data.Length];
        var length = 0;
        var zeros = 0;
        foreach (var b in data)
        {
            if (zeros >= 2 && b == 0x03)
            {
                zeros = 0;
                continue;
            }
            zeros = b == 0 ? zeros + 1 : 0;
            output[length++] = b;
        }
        return output[..length];
    }
}
