using System.Buffers;

namespace StreamHub.Media.Av1;

/// <summary>An AV1 temporal unit as Enhanced RTMP carries it (<c>av01</c> coded frames): the OBUs of one presentation
/// time in the low-overhead bitstream format (AV1 §5.2), starting with a temporal delimiter as a temporal unit does
/// (AV1 §7.5) when the encoder wrote one.
/// <code>
/// obu_header: forbidden(1)=0 obu_type(4) obu_extension_flag(1) obu_has_size_field(1) reserved(1)
///             [extension: temporal_id(3) spatial_id(2) reserved(3)]
/// obu_size:   leb128, when obu_has_size_field
/// temporal delimiter: obu_type 2, empty payload
/// </code></summary>
public static class Av1TemporalUnit
{
    private const int SequenceHeader = 1;
    private const int TemporalDelimiter = 2;
    private const int FrameHeader = 3;
    private const int TileGroup = 4;
    private const int Frame = 6;
    private const int TileList = 8;

    /// <summary>leb128 values are below 2^32 (AV1 §4.10.5), in at most 8 bytes.</summary>
    private const int MaxLeb128Bytes = 8;

    /// <summary>The length of the temporal delimiter OBU that <paramref name="unit"/> starts with, or 0 when it starts
    /// with another OBU or with anything that is not a whole temporal delimiter with a size field. In an MP4 sample the
    /// delimiter is left out (AV1-ISOBMFF §2.4: the sample is the temporal unit, and temporal delimiters should not be in
    /// it), as ffmpeg's mp4 muxer does.</summary>
    public static int TemporalDelimiterLength(ReadOnlySpan<byte> unit)
    {
        if (unit.IsEmpty)
        {
            return 0;
        }
        var header = unit[0];
        if ((header & 0x80) != 0 || (header >> 3 & 0x0F) != TemporalDelimiter || (header & 0x02) == 0)
        {
            return 0;
        }
        var position = (header & 0x04) != 0 ? 2 : 1;
        ulong size = 0;
        for (var i = 0; i < 8; i++)
        {
            if (position >= unit.Length)
            {
                return 0;
            }
            var b = unit[position++];
            size |= (ulong)(b & 0x7F) << (7 * i);
            if ((b & 0x80) == 0)
            {
                return size <= (ulong)(unit.Length - position) ? position + (int)size : 0;
            }
        }
        return 0;
    }

    /// <summary>Whether <paramref name="unit"/> is a random access point: a sequence header OBU, then a frame or frame
    /// header OBU whose uncompressed header starts with show_existing_frame = 0, frame_type = KEY_FRAME, show_frame = 1.
    /// Only the OBU headers, the first byte of the sequence header and the first byte of the frame header are read;
    /// every OBU size is checked against what the unit holds. The FLV frame type is the encoder's word for this; the
    /// bitstream is what a decoder starting on the segment gets.
    /// <code>
    /// sequence_header_obu: seq_profile(3) still_picture(1) reduced_still_picture_header(1) ...
    /// uncompressed_header: when reduced_still_picture_header: nothing here (a shown key frame, §5.9.2)
    ///                      else show_existing_frame(1) [when 0: frame_type(2) show_frame(1) ...]
    /// frame_type:          0 KEY_FRAME, 1 INTER_FRAME, 2 INTRA_ONLY_FRAME, 3 SWITCH_FRAME
    /// </code>
    /// A shown existing key frame (a forward key frame, §7.21) is not a random access point here: the key frame it
    /// shows was decoded from an earlier temporal unit, which a segment starting here does not hold.</summary>
    public static Av1RandomAccess ReadRandomAccess(in ReadOnlySequence<byte> unit)
    {
        var reader = new SequenceReader<byte>(unit);
        var sequenceHeader = false;
        var reducedStillPicture = false;
        while (reader.TryRead(out var header))
        {
            if ((header & 0x80) != 0)
            {
                return Av1RandomAccess.Malformed;
            }
            var type = header >> 3 & 0x0F;
            if ((header & 0x04) != 0)
            {
                if (reader.End)
                {
                    return Av1RandomAccess.Malformed;
                }
                reader.Advance(1); // temporal_id, spatial_id: any layer's frame header says the same
            }
            long size;
            if ((header & 0x02) != 0)
            {
                if (!TryReadLeb128(ref reader, out var declared) || declared > (ulong)reader.Remaining)
                {
                    return Av1RandomAccess.Malformed;
                }
                size = (long)declared;
            }
            else
            {
                size = reader.Remaining; // the last OBU of a unit may leave its size out (AV1-ISOBMFF §2.4)
            }
            switch (type)
            {
                case SequenceHeader:
                    if (!reader.TryPeek(out var profile) || size == 0)
                    {
                        return Av1RandomAccess.Malformed;
                    }
                    sequenceHeader = true;
                    reducedStillPicture = (profile & 0x08) != 0;
                    break;
                case FrameHeader or Frame:
                    if (reducedStillPicture)
                    {
                        return Av1RandomAccess.RandomAccessPoint; // reduced only comes from this unit's sequence header
                    }
                    if (!reader.TryPeek(out var first) || size == 0)
                    {
                        return Av1RandomAccess.Malformed;
                    }
                    return ClassifyFrameHeader(first, sequenceHeader);
                case TileGroup or TileList:
                    return Av1RandomAccess.NoFrameHeader;
            }
            reader.Advance(size);
        }
        return Av1RandomAccess.NoFrameHeader;
    }

    private static Av1RandomAccess ClassifyFrameHeader(byte first, bool sequenceHeader)
    {
        if ((first & 0x80) != 0)
        {
            return Av1RandomAccess.ShowExistingFrame;
        }
        return (first >> 5 & 0x03, (first & 0x10) != 0) switch
        {
            (0, true) => sequenceHeader ? Av1RandomAccess.RandomAccessPoint : Av1RandomAccess.KeyFrameWithoutSequenceHeader,
            (0, false) => Av1RandomAccess.HiddenKeyFrame,
            (1, _) => Av1RandomAccess.InterFrame,
            (2, _) => Av1RandomAccess.IntraOnlyFrame,
            _ => Av1RandomAccess.SwitchFrame,
        };
    }

    private static bool TryReadLeb128(ref SequenceReader<byte> reader, out ulong value)
    {
        value = 0;
        for (var i = 0; i < MaxLeb128Bytes; i++)
        {
            if (!reader.TryRead(out var b))
            {
                return false;
            }
            value |= (ulong)(b & 0x7F) << (7 * i);
            if ((b & 0x80) == 0)
            {
                return value <= uint.MaxValue;
            }
        }
        return false;
    }
}
