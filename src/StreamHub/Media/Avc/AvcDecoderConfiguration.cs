namespace StreamHub.Media.Avc;

/// <summary>An AVCDecoderConfigurationRecord (ISO/IEC 14496-15 §5.3.3.1), the payload of an FLV AVC sequence header.
/// <code>
/// u8 configurationVersion (1) | u8 profile | u8 compatibility | u8 level | 6 bits 1 | 2 bits lengthSizeMinusOne
/// 3 bits 1 | 5 bits numSPS | { u16 length, SPS } * numSPS | u8 numPPS | { u16 length, PPS } * numPPS | [high-profile extras, ignored]
/// </code></summary>
public sealed class AvcDecoderConfiguration
{
    private AvcDecoderConfiguration(byte profile, byte compatibility, byte level, int nalLengthSize,
        byte[][] sequenceParameterSets, byte[][] pictureParameterSets)
    {
        Profile = profile;
        Compatibility = compatibility;
        Level = level;
        NalLengthSize = nalLengthSize;
        SequenceParameterSets = sequenceParameterSets;
        PictureParameterSets = pictureParameterSets;
    }

    public byte Profile { get; }
    public byte Compatibility { get; }
    public byte Level { get; }

    /// <summary>Bytes in each NAL unit's length prefix: lengthSizeMinusOne + 1 (1, 2 or 4; 3 is reserved).</summary>
    public int NalLengthSize { get; }

    /// <summary>The SPS NAL units, without start codes or length prefixes.</summary>
    public IReadOnlyList<byte[]> SequenceParameterSets { get; }

    /// <summary>The PPS NAL units, without start codes or length prefixes.</summary>
    public IReadOnlyList<byte[]> PictureParameterSets { get; }

    /// <summary>Picture size and profile from the first SPS; null when it cannot be read.</summary>
    public AvcSequenceParameterSet? SequenceParameterSet =>
        AvcSequenceParameterSet.TryParse(SequenceParameterSets[0], out var sps) ? sps : null;

    /// <summary>The RFC 6381 codec string, e.g. <c>avc1.64001F</c>.</summary>
    public string CodecString => $"avc1.{Profile:X2}{Compatibility:X2}{Level:X2}";

    /// <summary>Parses a record; false when it is truncated, has the wrong version, a reserved length size, or no
    /// SPS/PPS.</summary>
    public static bool TryParse(ReadOnlySpan<byte> record, out AvcDecoderConfiguration configuration)
    {
        configuration = null!;
        if (record.Length < 7 || record[0] != 1)
        {
            return false;
        }
        var nalLengthSize = (record[4] & 0x03) + 1;
        if (nalLengthSize == 3)
        {
            return false;
        }
        var offset = 5;
        if (!TryReadParameterSets(record, ref offset, record[offset++] & 0x1F, out var sps)
            || offset >= record.Length
            || !TryReadParameterSets(record, ref offset, record[offset++], out var pps)
            || sps.Length == 0 || pps.Length == 0)
        {
            return false;
        }
        configuration = new AvcDecoderConfiguration(record[1], record[2], record[3], nalLengthSize, sps, pps);
        return true;
    }

    private static bool TryReadParameterSets(ReadOnlySpan<byte> record, ref int offset, int count, out byte[][] sets)
    {
        sets = new byte[count][];
        for (var i = 0; i < count; i++)
        {
            if (offset + 2 > record.Length)
            {
                return false;
            }
            var length = (record[offset] << 8) | record[offset + 1];
            offset += 2;
            if (length == 0 || offset + length > record.Length)
            {
                return false;
            }
            sets[i] = record.Slice(offset, length).ToArray();
            offset += length;
        }
        return true;
    }
}
