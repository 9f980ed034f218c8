using StreamHub.Media.Hevc;

namespace StreamHub.Tests.Media.Hevc;

/// <summary>hvcC records from the Enhanced RTMP sequence start that Debian 13's ffmpeg 7.1 writes for
/// <c>-f lavfi -i testsrc2=size=WxH -c:v libx265 -preset ultrafast -f flv</c>: the VPS, SPS and PPS arrays kept, the
/// x265 SEI array (1.9 KB of encoder settings) left out and numOfArrays set to 3.</summary>
public sealed class HevcDecoderConfigurationTests
{
    private const string Record320X240 =
        "0101600000009000000000003CF000FCFDF8F800000F03200001001840010C01FFFF01600000030090000003000003003CBA02402100010028" +
        "42010101600000030090000003000003003CA00A080F165BA4A4C2F0168080000003008000000C8422000100064401C073C089";

    // 426x182 is coded as 432x184: the SPS's conformance window crops 6 columns and 2 rows.
    private const string Record426X182 =
        "0101600000009000000000003CF000FCFDF8F800000F03200001001840010C01FFFF01600000030090000003000003003C959409210001002B" +
        "42010101600000030090000003000003003CA00D880C1C936595952930BC05A0200000030020000003032122000100064401C073C089";

    [Theory]
    [InlineData(Record320X240, 320, 240)]
    [InlineData(Record426X182, 426, 182)]
    public void Reads_the_picture_size_from_the_sps(string hex, int width, int height)
    {
        Assert.True(HevcDecoderConfiguration.TryParse(Convert.FromHexString(hex), out var configuration));
        var sps = configuration.SequenceParameterSet;
        Assert.NotNull(sps);
        Assert.Equal(width, sps.Value.Width);
        Assert.Equal(height, sps.Value.Height);
        Assert.Equal(1, sps.Value.ChromaFormat);
    }

    [Fact]
    public void Codec_string_follows_ISO_14496_15_annex_E()
    {
        // Main profile (1), compatibility flags 0x60000000 (profiles 1 and 2) reversed to 0x6, Main tier level 2
        // (level_idc 60), constraint byte 0x90 (progressive, frame only).
        Assert.True(HevcDecoderConfiguration.TryParse(Convert.FromHexString(Record320X240), out var configuration));
        Assert.Equal("hvc1.1.6.L60.90", configuration.CodecString);
    }

    [Fact]
    public void Every_truncated_record_is_refused()
    {
        var record = Convert.FromHexString(Record320X240);
        for (var length = 0; length < record.Length; length++)
        {
            Assert.False(HevcDecoderConfiguration.TryParse(record.AsSpan(0, length), out _), $"prefix of {length} bytes");
        }
    }

    [Fact]
    public void Wrong_version_is_refused()
    {
        var record = Convert.FromHexString(Record320X240);
        record[0] = 0;
        Assert.False(HevcDecoderConfiguration.TryParse(record, out _));
    }

    [Fact]
    public void A_truncated_sps_leaves_the_size_unknown()
    {
        var sps = Convert.FromHexString(Record320X240)[0x39..0x61]; // the SPS NAL unit (0x28 bytes)
        Assert.True(HevcSequenceParameterSet.TryParse(sps, out _));
        for (var length = 0; length < 20; length++)
        {
            Assert.False(HevcSequenceParameterSet.TryParse(sps.AsSpan(0, length), out _), $"prefix of {length} bytes");
        }
        Assert.False(HevcSequenceParameterSet.TryParse(Convert.FromHexString("4001" + "0C01FFFF"), out _)); // a VPS
    }
}
