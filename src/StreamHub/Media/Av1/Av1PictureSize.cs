namespace StreamHub.Media.Av1;

/// <summary>The largest frame size of an AV1 stream, from the sequence header OBU in its
/// AV1CodecConfigurationRecord (the Enhanced RTMP sequence start payload).
/// <code>
/// av1C: marker(1)=1 version(7)=1 | profile(3) level(5) | tier .. chroma(8) | reserved(3) delay(5) | configOBUs
/// OBU:  forbidden(1) type(4) extension_flag(1) has_size_field(1) reserved(1) [extension byte] [leb128 size] payload
/// sequence_header_obu (AV1 §5.5.1): seq_profile(3) still_picture(1) reduced_still_picture_header(1) ... operating
///       points ... frame_width_bits_minus_1(4) frame_height_bits_minus_1(4) max_frame_width_minus_1(n)
///       max_frame_height_minus_1(n)
/// </code></summary>
public static class Av1PictureSize
{
    private const int SequenceHeaderObu = 1;

    public static bool TryRead(ReadOnlySpan<byte> record, out int width, out int height)
    {
        width = height = 0;
        if (record.Length < 4 || record[0] != 0x81)
        {
            return false;
        }
        var obus = record[4..];
        while (obus.Length > 0)
        {
            var header = obus[0];
            var type = (header >> 3) & 0x0F;
            var offset = (header & 0x04) != 0 ? 2 : 1;
            if (offset > obus.Length)
            {
                return false;
            }
            var size = obus.Length - offset;
            if ((header & 0x02) != 0)
            {
                if (!TryReadLeb128(obus[offset..], out var value, out var used) || value > (ulong)(obus.Length - offset - used))
                {
                    return false;
                }
                offset += used;
                size = (int)value;
            }
            if (type == SequenceHeaderObu)
            {
                return TryReadSequenceHeader(obus.Slice(offset, size), out width, out height);
            }
            obus = obus[(offset + size)..];
        }
        return false;
    }

    private static bool TryReadSequenceHeader(ReadOnlySpan<byte> payload, out int width, out int height)
    {
        width = height = 0;
        var reader = new BitReader(payload);
        if (!reader.TrySkip(4) || !reader.TryRead(1, out var reduced))
        {
            return false;
        }
        if (reduced == 1)
        {
            if (!reader.TrySkip(5))
            {
                return false;
            }
        }
        else
        {
            if (!reader.TryRead(1, out var timingInfo))
            {
                return false;
            }
            uint decoderModelInfo = 0, bufferDelayLength = 0;
            if (timingInfo == 1)
            {
                if (!reader.TrySkip(64) || !reader.TryRead(1, out var equalInterval)
                    || (equalInterval == 1 && !reader.TryReadUvlc(out _)) || !reader.TryRead(1, out decoderModelInfo))
                {
                    return false;
                }
                if (decoderModelInfo == 1)
                {
                    if (!reader.TryRead(5, out bufferDelayLength) || !reader.TrySkip(32 + 5 + 5))
                    {
                        return false;
                    }
                    bufferDelayLength++;
                }
            }
            if (!reader.TryRead(1, out var initialDisplayDelay) || !reader.TryRead(5, out var operatingPoints))
            {
                return false;
            }
            for (var i = 0; i <= operatingPoints; i++)
            {
                if (!reader.TrySkip(12) || !reader.TryRead(5, out var level) || (level > 7 && !reader.TrySkip(1)))
                {
                    return false;
                }
                if (decoderModelInfo == 1)
                {
                    if (!reader.TryRead(1, out var present) || (present == 1 && !reader.TrySkip(2 * (int)bufferDelayLength + 1)))
                    {
                        return false;
                    }
                }
                if (initialDisplayDelay == 1)
                {
                    if (!reader.TryRead(1, out var present) || (present == 1 && !reader.TrySkip(4)))
                    {
                        return false;
                    }
                }
            }
        }
        if (!reader.TryRead(4, out var widthBits) || !reader.TryRead(4, out var heightBits)
            || !reader.TryRead((int)widthBits + 1, out var maxWidth) || !reader.TryRead((int)heightBits + 1, out var maxHeight))
        {
            return false;
        }
        (width, height) = ((int)maxWidth + 1, (int)maxHeight + 1);
        return true;
    }

    /// <summary>leb128() (AV1 §4.10.5): at most 8 bytes, 7 bits each, least significant first.</summary>
    private static bool TryReadLeb128(ReadOnlySpan<byte> data, out ulong value, out int used)
    {
        value = 0;
        for (used = 0; used < 8 && used < data.Length; used++)
        {
            value |= (ulong)(data[used] & 0x7F) << (7 * used);
            if ((data[used] & 0x80) == 0)
            {
                used++;
                return true;
            }
        }
        return false;
    }
}
