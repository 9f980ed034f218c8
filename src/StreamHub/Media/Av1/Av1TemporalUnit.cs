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
    private const int TemporalDelimiter = 2;

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
}
