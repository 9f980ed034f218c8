namespace StreamHub.Media.Hevc;

/// <summary>The picture size from an H.265 SPS (ITU-T H.265 §7.3.2.2.1), for stats and logs. Only the fields up to the
/// conformance window are read.
/// <code>
/// u16 NAL header (type 33) | u4 vps_id | u3 max_sub_layers_minus1 | u1 temporal_id_nesting
/// profile_tier_level(1, max_sub_layers_minus1) | ue sps_id | ue chroma_format_idc | [u1 separate_colour_plane]
/// ue pic_width_in_luma_samples | ue pic_height_in_luma_samples | u1 conformance_window_flag | [ue left right top bottom]
/// </code></summary>
public readonly record struct HevcSequenceParameterSet(int ChromaFormat, int Width, int Height)
{
    private const int SpsNalUnitType = 33;

    // Level 6.2's MaxLumaPs is 35,651,584 samples: 8 × √MaxLumaPs bounds either side (H.265 §A.4.1).
    private const int MaxDimension = 16_888;

    /// <summary>Parses an SPS NAL unit (two-byte header included, emulation prevention bytes still in). False when it
    /// is not an SPS, is truncated, or holds values outside what H.265 allows.</summary>
    public static bool TryParse(ReadOnlySpan<byte> nal, out HevcSequenceParameterSet sps)
    {
        sps = default;
        if (nal.Length < 4 || ((nal[0] >> 1) & 0x3F) != SpsNalUnitType)
        {
            return false;
        }
        var reader = new BitReader(BitReader.RemoveEmulationPrevention(nal[2..]));
        try
        {
            reader.Skip(4); // sps_video_parameter_set_id
            var maxSubLayersMinus1 = reader.Bits(3);
            if (maxSubLayersMinus1 > 6)
            {
                return false;
            }
            reader.Skip(1); // sps_temporal_id_nesting_flag
            SkipProfileTierLevel(ref reader, maxSubLayersMinus1);
            if (reader.UnsignedExpGolomb() > 15) // sps_seq_parameter_set_id
            {
                return false;
            }
            var chromaFormat = reader.UnsignedExpGolomb();
            if (chromaFormat > 3)
            {
                return false;
            }
            var separateColourPlanes = chromaFormat == 3 && reader.Bit();
            var width = reader.UnsignedExpGolomb();
            var height = reader.UnsignedExpGolomb();
            if (width is 0 or > MaxDimension || height is 0 or > MaxDimension)
            {
                return false;
            }
            if (reader.Bit()) // conformance_window_flag: offsets in chroma samples (Table 6-1)
            {
                var monochrome = chromaFormat == 0 || separateColourPlanes;
                var unitX = monochrome || chromaFormat == 3 ? 1 : 2;
                var unitY = monochrome || chromaFormat != 1 ? 1 : 2;
                width -= unitX * (reader.UnsignedExpGolomb() + reader.UnsignedExpGolomb());
                height -= unitY * (reader.UnsignedExpGolomb() + reader.UnsignedExpGolomb());
            }
            if (width <= 0 || height <= 0)
            {
                return false;
            }
            sps = new HevcSequenceParameterSet(chromaFormat, width, height);
            return true;
        }
        catch (EndOfStreamException)
        {
            return false;
        }
    }

    /// <summary>profile_tier_level(1, maxNumSubLayersMinus1) (§7.3.3): 88 bits of general profile, 8 of level, then
    /// two presence flags per sub-layer, padding to 16 bits, and each present sub-layer's 88 + 8 bits.</summary>
    private static void SkipProfileTierLevel(ref BitReader reader, int maxSubLayersMinus1)
    {
        reader.Skip(88 + 8);
        Span<bool> profilePresent = stackalloc bool[8];
        Span<bool> levelPresent = stackalloc bool[8];
        for (var i = 0; i < maxSubLayersMinus1; i++)
        {
            profilePresent[i] = reader.Bit();
            levelPresent[i] = reader.Bit();
        }
        if (maxSubLayersMinus1 > 0)
        {
            reader.Skip(2 * (8 - maxSubLayersMinus1)); // reserved_zero_2bits
        }
        for (var i = 0; i < maxSubLayersMinus1; i++)
        {
            reader.Skip((profilePresent[i] ? 88 : 0) + (levelPresent[i] ? 8 : 0));
        }
    }
}
