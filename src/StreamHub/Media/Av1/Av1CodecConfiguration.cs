namespace StreamHub.Media.Av1;

/// <summary>An AV1CodecConfigurationRecord (AV1 Codec ISO Media File Format Binding §2.3.3), the payload of an
/// Enhanced RTMP <c>av01</c> sequence start, and the picture size from the sequence header OBU it carries.
/// <code>
/// u1 marker (1) u7 version (1) | u3 seq_profile u5 seq_level_idx_0 | u1 tier u1 high_bitdepth u1 twelve_bit
/// u1 monochrome u1 subsampling_x u1 subsampling_y u2 chroma_sample_position | u3 reserved u1 delay_present u4 delay
/// configOBUs: the sequence header OBU (AV1 §5.3: u8 header, [u8 extension], [leb128 size], payload)
/// </code></summary>
public sealed class Av1CodecConfiguration
{
    private const int HeaderLength = 4;
    private const int SequenceHeaderObuType = 1;

    private Av1CodecConfiguration(byte profile, byte level, bool highTier, int bitDepth, int? width, int? height)
    {
        Profile = profile;
        Level = level;
        HighTier = highTier;
        BitDepth = bitDepth;
        Width = width;
        Height = height;
    }

    public byte Profile { get; }
    public byte Level { get; }
    public bool HighTier { get; }
    public int BitDepth { get; }

    /// <summary>max_frame_width_minus_1 + 1 from the sequence header; null when the record carries none or it
    /// cannot be read.</summary>
    public int? Width { get; }
    public int? Height { get; }

    /// <summary>The codec string of the AV1 ISOBMFF binding's Codecs Parameter String, e.g. <c>av01.0.04M.08</c>.</summary>
    public string CodecString => $"av01.{Profile}.{Level:D2}{(HighTier ? 'H' : 'M')}.{BitDepth:D2}";

    /// <summary>Parses a record; false when it is truncated or has the wrong marker or version. A missing or
    /// unreadable sequence header leaves the size null.</summary>
    public static bool TryParse(ReadOnlySpan<byte> record, out Av1CodecConfiguration configuration)
    {
        configuration = null!;
        if (record.Length < HeaderLength || record[0] != 0x81)
        {
            return false;
        }
        var profile = (byte)(record[1] >> 5);
        var level = (byte)(record[1] & 0x1F);
        var highTier = (record[2] & 0x80) != 0;
        var bitDepth = (record[2] & 0x40) == 0 ? 8 : (record[2] & 0x20) != 0 ? 12 : 10;
        int? width = null, height = null;
        if (TryFindSequenceHeader(record[HeaderLength..], out var sequenceHeader)
            && TryReadMaxFrameSize(sequenceHeader, out var w, out var h))
        {
            (width, height) = (w, h);
        }
        configuration = new Av1CodecConfiguration(profile, level, highTier, bitDepth, width, height);
        return true;
    }

    private static bool TryFindSequenceHeader(ReadOnlySpan<byte> obus, out ReadOnlySpan<byte> payload)
    {
        payload = default;
        while (obus.Length > 0)
        {
            var header = obus[0];
            var type = (header >> 3) & 0x0F;
            var offset = (header & 0x04) != 0 ? 2 : 1; // obu_extension_flag
            int size;
            if ((header & 0x02) != 0) // obu_has_size_field
            {
                if (!TryReadLeb128(obus, ref offset, out size))
                {
                    return false;
                }
            }
            else
            {
                size = obus.Length - offset; // the last OBU runs to the end
            }
            if (offset > obus.Length || size < 0 || obus.Length - offset < size)
            {
                return false;
            }
            if (type == SequenceHeaderObuType)
            {
                payload = obus.Slice(offset, size);
                return true;
            }
            obus = obus[(offset + size)..];
        }
        return false;
    }

    /// <summary>leb128() (AV1 §4.10.5), capped at 4 bytes here: no configOBU is near 2^28 bytes.</summary>
    private static bool TryReadLeb128(ReadOnlySpan<byte> data, ref int offset, out int value)
    {
        value = 0;
        for (var i = 0; i < 4; i++)
        {
            if (offset >= data.Length)
            {
                return false;
            }
            var b = data[offset++];
            value |= (b & 0x7F) << (7 * i);
            if ((b & 0x80) == 0)
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>sequence_header_obu() (AV1 §5.5.1) up to max_frame_height_minus_1.</summary>
    private static bool TryReadMaxFrameSize(ReadOnlySpan<byte> sequenceHeader, out int width, out int height)
    {
        width = height = 0;
        var reader = new BitReader(sequenceHeader);
        try
        {
            reader.Skip(3 + 1); // seq_profile, still_picture
            if (reader.Bit()) // reduced_still_picture_header
            {
                reader.Skip(5); // seq_level_idx[0]
            }
            else
            {
                var decoderModelInfoPresent = false;
                var bufferDelayLength = 0;
                if (reader.Bit()) // timing_info_present_flag
                {
                    reader.Skip(32 + 32); // num_units_in_display_tick, time_scale
                    if (reader.Bit()) // equal_picture_interval
                    {
                        reader.SkipUvlc(); // num_ticks_per_picture_minus_1
                    }
                    decoderModelInfoPresent = reader.Bit();
                    if (decoderModelInfoPresent)
                    {
                        bufferDelayLength = reader.Bits(5) + 1;
                        reader.Skip(32 + 5 + 5); // num_units_in_decoding_tick, two length fields
                    }
                }
                var initialDisplayDelayPresent = reader.Bit();
                var operatingPoints = reader.Bits(5) + 1;
                for (var i = 0; i < operatingPoints; i++)
                {
                    reader.Skip(12); // operating_point_idc
                    if (reader.Bits(5) > 7) // seq_level_idx
                    {
                        reader.Skip(1); // seq_tier
                    }
                    if (decoderModelInfoPresent && reader.Bit())
                    {
                        reader.Skip(2 * bufferDelayLength + 1); // decoder/encoder_buffer_delay, low_delay_mode_flag
                    }
                    if (initialDisplayDelayPresent && reader.Bit())
                    {
                        reader.Skip(4); // initial_display_delay_minus_1
                    }
                }
            }
            var widthBits = reader.Bits(4) + 1;
            var heightBits = reader.Bits(4) + 1;
            width = reader.Bits(widthBits) + 1;
            height = reader.Bits(heightBits) + 1;
            return true;
        }
        catch (EndOfStreamException)
        {
            return false;
        }
    }
}
