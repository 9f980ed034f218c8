using System.Buffers.Binary;
using System.Text;

namespace StreamHub.Media.Hevc;

/// <summary>An HEVCDecoderConfigurationRecord (ISO/IEC 14496-15 §8.3.3.1), the payload of an Enhanced RTMP
/// <c>hvc1</c> sequence start. Only what stats and codec strings need is kept: the general profile fields and the
/// first SPS.
/// <code>
/// u8 configurationVersion (1) | u2 profile_space u1 tier u5 profile_idc | u32 compatibility flags | u48 constraint flags
/// u8 level_idc | u16 min_spatial_segmentation | u8 parallelism | u8 chroma | u8 luma depth | u8 chroma depth
/// u16 avgFrameRate | u8 (frame rate, temporal layers, lengthSizeMinusOne) | u8 numOfArrays
/// { u8 (completeness, NAL type) | u16 numNalus | { u16 length, NAL } * numNalus } * numOfArrays
/// </code></summary>
public sealed class HevcDecoderConfiguration
{
    private const int HeaderLength = 23;
    private const int SpsNalUnitType = 33;

    private HevcDecoderConfiguration(byte profileSpace, bool highTier, byte profile, uint compatibility,
        byte[] constraints, byte level, byte[]? sequenceParameterSet)
    {
        ProfileSpace = profileSpace;
        HighTier = highTier;
        Profile = profile;
        Compatibility = compatibility;
        Constraints = constraints;
        Level = level;
        SequenceParameterSetNal = sequenceParameterSet;
    }

    public byte ProfileSpace { get; }
    public bool HighTier { get; }
    public byte Profile { get; }
    public uint Compatibility { get; }
    public IReadOnlyList<byte> Constraints { get; }
    public byte Level { get; }

    /// <summary>The first SPS NAL unit; null when the record carries none.</summary>
    public byte[]? SequenceParameterSetNal { get; }

    /// <summary>Picture size from the first SPS; null when there is none or it cannot be read.</summary>
    public HevcSequenceParameterSet? SequenceParameterSet =>
        SequenceParameterSetNal is { } nal && HevcSequenceParameterSet.TryParse(nal, out var sps) ? sps : null;

    /// <summary>The codec string of ISO/IEC 14496-15 Annex E, e.g. <c>hvc1.1.6.L93.B0</c>: profile space letter and
    /// profile, the compatibility flags bit-reversed in hex, tier and level, then the constraint bytes up to the last
    /// non-zero one.</summary>
    public string CodecString
    {
        get
        {
            var text = new StringBuilder("hvc1.");
            if (ProfileSpace > 0)
            {
                text.Append((char)('A' + ProfileSpace - 1));
            }
            text.Append(Profile).Append('.');
            var reversed = 0u;
            for (var i = 0; i < 32; i++)
            {
                reversed |= ((Compatibility >> i) & 1) << (31 - i);
            }
            text.Append(reversed.ToString("X")).Append('.').Append(HighTier ? 'H' : 'L').Append(Level);
            var last = Constraints.Count - 1;
            while (last >= 0 && Constraints[last] == 0)
            {
                last--;
            }
            for (var i = 0; i <= last; i++)
            {
                text.Append('.').Append(Constraints[i].ToString("X"));
            }
            return text.ToString();
        }
    }

    /// <summary>Parses a record; false when it is truncated or has the wrong version.</summary>
    public static bool TryParse(ReadOnlySpan<byte> record, out HevcDecoderConfiguration configuration)
    {
        configuration = null!;
        if (record.Length < HeaderLength || record[0] != 1)
        {
            return false;
        }
        byte[]? sps = null;
        var offset = HeaderLength;
        for (var array = 0; array < record[22]; array++)
        {
            if (record.Length - offset < 3)
            {
                return false;
            }
            var type = record[offset] & 0x3F;
            var count = BinaryPrimitives.ReadUInt16BigEndian(record[(offset + 1)..]);
            offset += 3;
            for (var i = 0; i < count; i++)
            {
                if (record.Length - offset < 2)
                {
                    return false;
                }
                var length = BinaryPrimitives.ReadUInt16BigEndian(record[offset..]);
                offset += 2;
                if (record.Length - offset < length)
                {
                    return false;
                }
                if (type == SpsNalUnitType && sps is null)
                {
                    sps = record.Slice(offset, length).ToArray();
                }
                offset += length;
            }
        }
        configuration = new HevcDecoderConfiguration((byte)(record[1] >> 6), (record[1] & 0x20) != 0, (byte)(record[1] & 0x1F),
            BinaryPrimitives.ReadUInt32BigEndian(record[2..]), record.Slice(6, 6).ToArray(), record[12], sps);
        return true;
    }
}
