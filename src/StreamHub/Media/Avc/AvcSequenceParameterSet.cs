namespace StreamHub.Media.Avc;

/// <summary>The picture size and profile from an H.264 SPS (ITU-T H.264 §7.3.2.1.1), for stats and logs. Only the
/// fields up to frame cropping are read; VUI is ignored.</summary>
public readonly record struct AvcSequenceParameterSet(byte Profile, byte Level, int ChromaFormat, int Width, int Height, bool Interlaced)
{
    private const int MaxDimensionInMacroblocks = 1 << 14;

    /// <summary>Parses an SPS NAL unit (header byte included, emulation prevention bytes still in). False when it is
    /// not an SPS, is truncated, or holds values outside what H.264 allows.</summary>
    public static bool TryParse(ReadOnlySpan<byte> nal, out AvcSequenceParameterSet sps)
    {
        sps = default;
        if (nal.Length < 4 || (AvcNalUnitType)(nal[0] & 0x1F) != AvcNalUnitType.Sps)
        {
            return false;
        }
        var reader = new BitReader(BitReader.RemoveEmulationPrevention(nal[1..]));
        try
        {
            var profile = (byte)reader.Bits(8);
            reader.Bits(8); // constraint flags
            var level = (byte)reader.Bits(8);
            reader.UnsignedExpGolomb(); // seq_parameter_set_id
            var chromaFormat = 1;
            var separateColourPlanes = false;
            if (profile is 100 or 110 or 122 or 244 or 44 or 83 or 86 or 118 or 128 or 138 or 139 or 134 or 135)
            {
                chromaFormat = reader.UnsignedExpGolomb();
                if (chromaFormat > 3)
                {
                    return false;
                }
                if (chromaFormat == 3)
                {
                    separateColourPlanes = reader.Bit();
                }
                reader.UnsignedExpGolomb(); // bit_depth_luma_minus8
                reader.UnsignedExpGolomb(); // bit_depth_chroma_minus8
                reader.Bit(); // qpprime_y_zero_transform_bypass_flag
                if (reader.Bit()) // seq_scaling_matrix_present_flag
                {
                    for (var i = 0; i < (chromaFormat != 3 ? 8 : 12); i++)
                    {
                        if (reader.Bit())
                        {
                            SkipScalingList(ref reader, i < 6 ? 16 : 64);
                        }
                    }
                }
            }
            reader.UnsignedExpGolomb(); // log2_max_frame_num_minus4
            var pictureOrderCountType = reader.UnsignedExpGolomb();
            if (pictureOrderCountType == 0)
            {
                reader.UnsignedExpGolomb(); // log2_max_pic_order_cnt_lsb_minus4
            }
            else if (pictureOrderCountType == 1)
            {
                reader.Bit(); // delta_pic_order_always_zero_flag
                reader.SignedExpGolomb(); // offset_for_non_ref_pic
                reader.SignedExpGolomb(); // offset_for_top_to_bottom_field
                var cycle = reader.UnsignedExpGolomb();
                if (cycle > 255)
                {
                    return false;
                }
                for (var i = 0; i < cycle; i++)
                {
                    reader.SignedExpGolomb();
                }
            }
            reader.UnsignedExpGolomb(); // max_num_ref_frames
            reader.Bit(); // gaps_in_frame_num_value_allowed_flag
            var widthInMacroblocks = reader.UnsignedExpGolomb() + 1;
            var heightInMapUnits = reader.UnsignedExpGolomb() + 1;
            var frameMacroblocksOnly = reader.Bit();
            if (!frameMacroblocksOnly)
            {
                reader.Bit(); // mb_adaptive_frame_field_flag
            }
            reader.Bit(); // direct_8x8_inference_flag
            int left = 0, right = 0, top = 0, bottom = 0;
            if (reader.Bit()) // frame_cropping_flag
            {
                left = reader.UnsignedExpGolomb();
                right = reader.UnsignedExpGolomb();
                top = reader.UnsignedExpGolomb();
                bottom = reader.UnsignedExpGolomb();
            }
            if (widthInMacroblocks > MaxDimensionInMacroblocks || heightInMapUnits > MaxDimensionInMacroblocks)
            {
                return false;
            }
            var fieldFactor = frameMacroblocksOnly ? 1 : 2;
            var monochrome = chromaFormat == 0 || separateColourPlanes;
            var cropUnitX = monochrome ? 1 : chromaFormat == 3 ? 1 : 2;
            var cropUnitY = (monochrome ? 1 : chromaFormat == 1 ? 2 : 1) * fieldFactor;
            var width = widthInMacroblocks * 16 - cropUnitX * (left + right);
            var height = heightInMapUnits * 16 * fieldFactor - cropUnitY * (top + bottom);
            if (width <= 0 || height <= 0)
            {
                return false;
            }
            sps = new AvcSequenceParameterSet(profile, level, chromaFormat, width, height, !frameMacroblocksOnly);
            return true;
        }
        catch (EndOfStreamException)
        {
            return false;
        }
    }

    private static void SkipScalingList(ref BitReader reader, int size)
    {
        int last = 8, next = 8;
        for (var j = 0; j < size; j++)
        {
            if (next != 0)
            {
                next = (last + reader.SignedExpGolomb() + 256) % 256;
            }
            last = next == 0 ? last : next;
        }
    }
}
