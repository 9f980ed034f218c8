using System.Buffers.Binary;

namespace StreamHub.Media.Hevc;

/// <summary>The displayed picture size of an HEVC stream, from the SPS in its HEVCDecoderConfigurationRecord (the
/// Enhanced RTMP sequence header payload).
/// <code>
/// hvcC: 22 bytes of fixed fields | u8 numOfArrays | { u8 completeness(1) reserved(1) NAL_unit_type(6)
///       | u16 numNalus | { u16 length, NAL unit } * numNalus } * numOfArrays
/// SPS (H.265 §7.3.2.2): u16 NAL header | vps_id(4) max_sub_layers_minus1(3) temporal_id_nesting(1)
///       | profile_tier_level(1, max_sub_layers_minus1) | ue sps_id | ue chroma_format_idc [separate_colour_plane(1)]
///       | ue pic_width | ue pic_height | conformance_window_flag(1) [ue left right top bottom, in chroma units]
/// </code></summary>
public static class HevcPictureSize
{
    private const int SpsNalType = 33;
    private const int MaxDimension = 16888; // level 6.2's largest picture side

    public static bool TryRead(ReadOnlySpan<byte> record, out int width, out int height)
    {
        width = height = 0;
        if (record.Length < 23 || record[0] != 1)
        {
            return false;
        }
        var arrays = record[22];
        var offset = 23;
        for (var a = 0; a < arrays; a++)
        {
            if (offset + 3 > record.Length)
            {
                return false;
            }
            var type = record[offset] & 0x3F;
            var count = BinaryPrimitives.ReadUInt16BigEndian(record[(offset + 1)..]);
            offset += 3;
            for (var n = 0; n < count; n++)
            {
                if (offset + 2 > record.Length)
                {
                    return false;
                }
                var length = BinaryPrimitives.ReadUInt16BigEndian(record[offset..]);
                offset += 2;
                if (offset + length > record.Length)
                {
                    return false;
                }
                if (type == SpsNalType)
                {
                    return TryReadSps(record.Slice(offset, length), out width, out height);
                }
                offset += length;
            }
        }
        return false;
    }

    private static bool TryReadSps(ReadOnlySpan<byte> nal, out int width, out int height)
    {
        width = height = 0;
        if (nal.Length < 3)
        {
            return false;
        }
        Span<byte> rbsp = nal.Length <= 512 ? stackalloc byte[nal.Length] : new byte[nal.Length];
        var reader = new BitReader(rbsp[..RemoveEmulationPrevention(nal[2..], rbsp)]);
        if (!reader.TryRead(4, out _) || !reader.TryRead(3, out var maxSubLayersMinus1) || !reader.TrySkip(1)
            || !reader.TrySkip(88 + 8)) // general profile (88 bits) and level
        {
            return false;
        }
        Span<bool> profilePresent = stackalloc bool[8];
        Span<bool> levelPresent = stackalloc bool[8];
        for (var i = 0; i < maxSubLayersMinus1; i++)
        {
            if (!reader.TryRead(1, out var p) || !reader.TryRead(1, out var l))
            {
                return false;
            }
            profilePresent[i] = p == 1;
            levelPresent[i] = l == 1;
        }
        if (maxSubLayersMinus1 > 0 && !reader.TrySkip(2 * (8 - (int)maxSubLayersMinus1)))
        {
            return false;
        }
        for (var i = 0; i < maxSubLayersMinus1; i++)
        {
            if ((profilePresent[i] && !reader.TrySkip(88)) || (levelPresent[i] && !reader.TrySkip(8)))
            {
                return false;
            }
        }
        if (!reader.TryReadExpGolomb(out _) || !reader.TryReadExpGolomb(out var chromaFormat))
        {
            return false;
        }
        var separatePlanes = 0u;
        if (chromaFormat == 3 && !reader.TryRead(1, out separatePlanes))
        {
            return false;
        }
        if (!reader.TryReadExpGolomb(out var picWidth) || !reader.TryReadExpGolomb(out var picHeight)
            || !reader.TryRead(1, out var window) || picWidth is 0 or > MaxDimension || picHeight is 0 or > MaxDimension)
        {
            return false;
        }
        uint left = 0, right = 0, top = 0, bottom = 0;
        if (window == 1 && !(reader.TryReadExpGolomb(out left) && reader.TryReadExpGolomb(out right)
            && reader.TryReadExpGolomb(out top) && reader.TryReadExpGolomb(out bottom)))
        {
            return false;
        }
        var chromaArrayType = separatePlanes == 1 ? 0 : chromaFormat;
        var subWidth = chromaArrayType is 1 or 2 ? 2L : 1L;
        var subHeight = chromaArrayType == 1 ? 2L : 1L;
        var w = picWidth - subWidth * (left + right);
        var h = picHeight - subHeight * (top + bottom);
        if (w <= 0 || h <= 0)
        {
            return false;
        }
        (width, height) = ((int)w, (int)h);
        return true;
    }

    /// <summary>Drops the 0x03 of every <c>00 00 03</c> (H.265 §7.4.2); returns the length written.</summary>
    private static int RemoveEmulationPrevention(ReadOnlySpan<byte> data, Span<byte> output)
    {
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
        return length;
    }
}
