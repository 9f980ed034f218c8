using StreamHub.Media.Av1;

namespace StreamHub.Tests.Media.Av1;

/// <summary>av1C records from the Enhanced RTMP sequence start that Debian 13's ffmpeg 7.1 writes for
/// <c>-f lavfi -i testsrc2=size=WxH -c:v libsvtav1 -preset 12 -f flv</c>: the 4-byte header, then the sequence header
/// OBU (type 1, with a size field).</summary>
public sealed class Av1CodecConfigurationTests
{
    private const string Record320X240 = "81000C000A0B000000043CFFBC02F80040";
    private const string Record426X182 = "81000C000A0B000000043EA6D402F80040";

    [Theory]
    [InlineData(Record320X240, 320, 240)]
    [InlineData(Record426X182, 426, 182)]
    public void Reads_the_picture_size_from_the_sequence_header(string hex, int width, int height)
    {
        Assert.True(Av1CodecConfiguration.TryParse(Convert.FromHexString(hex), out var configuration));
        Assert.Equal(width, configuration.Width);
        Assert.Equal(height, configuration.Height);
    }

    [Fact]
    public void Codec_string_follows_the_AV1_ISOBMFF_binding()
    {
        // Main profile (0), seq_level_idx 0 (level 2.0), Main tier, 8 bits.
        Assert.True(Av1CodecConfiguration.TryParse(Convert.FromHexString(Record320X240), out var configuration));
        Assert.Equal("av01.0.00M.08", configuration.CodecString);
    }

    [Fact]
    public void A_truncated_sequence_header_leaves_the_size_unknown_and_a_short_header_is_refused()
    {
        var record = Convert.FromHexString(Record320X240);
        for (var length = 0; length < 4; length++)
        {
            Assert.False(Av1CodecConfiguration.TryParse(record.AsSpan(0, length), out _), $"prefix of {length} bytes");
        }
        for (var length = 4; length < record.Length; length++)
        {
            Assert.True(Av1CodecConfiguration.TryParse(record.AsSpan(0, length), out var configuration));
            Assert.Null(configuration.Width);
        }
    }

    [Fact]
    public void Wrong_marker_or_version_is_refused()
    {
        var record = Convert.FromHexString(Record320X240);
        record[0] = 0x01;
        Assert.False(Av1CodecConfiguration.TryParse(record, out _));
    }
}
