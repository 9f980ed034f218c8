using StreamHub.Media.Av1;

namespace StreamHub.Tests.Media.Av1;

/// <summary>The temporal delimiter at the head of an <c>av01</c> coded frame. The frames are as Debian 13's ffmpeg 7.1
/// (libsvtav1) sends them over Enhanced RTMP: <c>12 00</c> (a temporal delimiter with a zero size), then the sequence
/// header on a keyframe, or the frame.</summary>
public sealed class Av1TemporalUnitTests
{
    // The first bytes of a keyframe and of a frame that shows an earlier one (show_existing_frame), as sent.
    private static readonly byte[] Keyframe = Convert.FromHexString("12000A0B000000043CFFBC4AF9004032C528");
    private static readonly byte[] ShowExisting = Convert.FromHexString("12001A01E8");

    [Fact]
    public void A_delimiter_with_a_size_field_is_found_with_its_length()
    {
        Assert.Equal(2, Av1TemporalUnit.TemporalDelimiterLength(Keyframe));
        Assert.Equal(2, Av1TemporalUnit.TemporalDelimiterLength(ShowExisting));
        // With the extension byte (temporal_id 0, spatial_id 0), and with a two-byte leb128 zero.
        Assert.Equal(3, Av1TemporalUnit.TemporalDelimiterLength([0x16, 0x00, 0x00, 0x1A, 0x01, 0xE8]));
        Assert.Equal(3, Av1TemporalUnit.TemporalDelimiterLength([0x12, 0x80, 0x00, 0x1A, 0x01, 0xE8]));
    }

    [Fact]
    public void A_unit_that_starts_with_another_obu_has_no_delimiter()
    {
        Assert.Equal(0, Av1TemporalUnit.TemporalDelimiterLength(Keyframe.AsSpan(2))); // the sequence header
        Assert.Equal(0, Av1TemporalUnit.TemporalDelimiterLength(ShowExisting.AsSpan(2))); // a frame header
        Assert.Equal(0, Av1TemporalUnit.TemporalDelimiterLength([]));
    }

    [Fact]
    public void A_delimiter_that_cannot_be_delimited_is_left_alone()
    {
        Assert.Equal(0, Av1TemporalUnit.TemporalDelimiterLength([0x10])); // no size field: it would run to the end
        Assert.Equal(0, Av1TemporalUnit.TemporalDelimiterLength([0x92, 0x00, 0x1A])); // forbidden bit set
        Assert.Equal(0, Av1TemporalUnit.TemporalDelimiterLength([0x12])); // the size missing
        Assert.Equal(0, Av1TemporalUnit.TemporalDelimiterLength([0x12, 0x80])); // the size cut short
        Assert.Equal(0, Av1TemporalUnit.TemporalDelimiterLength([0x12, 0x05, 0x00])); // a size past the end
    }
}
