namespace StreamHub.Media;

/// <summary>Reads big-endian bit fields, Exp-Golomb codes (H.264/H.265) and uvlc (AV1) from a span; every read says
/// whether the data held enough bits, so a truncated header is a false, not an exception.</summary>
internal ref struct BitReader(ReadOnlySpan<byte> data)
{
    private readonly ReadOnlySpan<byte> _data = data;
    private int _bit;

    public bool TryRead(int count, out uint value)
    {
        value = 0;
        if (count > 32 || _bit + count > _data.Length * 8)
        {
            return false;
        }
        for (var i = 0; i < count; i++, _bit++)
        {
            value = (value << 1) | (uint)((_data[_bit >> 3] >> (7 - (_bit & 7))) & 1);
        }
        return true;
    }

    public bool TrySkip(int count)
    {
        if (_bit + count > _data.Length * 8)
        {
            return false;
        }
        _bit += count;
        return true;
    }

    /// <summary>ue(v): an unsigned Exp-Golomb code of at most 31 leading zeros.</summary>
    public bool TryReadExpGolomb(out uint value)
    {
        value = 0;
        var zeros = 0;
        while (true)
        {
            if (!TryRead(1, out var bit))
            {
                return false;
            }
            if (bit == 1)
            {
                break;
            }
            if (++zeros > 31)
            {
                return false;
            }
        }
        if (!TryRead(zeros, out var rest))
        {
            return false;
        }
        value = (uint)((1L << zeros) - 1 + rest);
        return true;
    }

    /// <summary>AV1 uvlc() (§4.10.3): like ue(v), with 32 or more leading zeros meaning 2^32 − 1.</summary>
    public bool TryReadUvlc(out uint value)
    {
        value = 0;
        var zeros = 0;
        while (true)
        {
            if (!TryRead(1, out var bit))
            {
                return false;
            }
            if (bit == 1)
            {
                break;
            }
            zeros++;
        }
        if (zeros >= 32)
        {
            value = uint.MaxValue;
            return true;
        }
        if (!TryRead(zeros, out var rest))
        {
            return false;
        }
        value = (uint)((1L << zeros) - 1 + rest);
        return true;
    }
}
