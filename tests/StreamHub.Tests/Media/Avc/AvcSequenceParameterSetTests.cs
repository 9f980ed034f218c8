using StreamHub.Media.Avc;

namespace StreamHub.Tests.Media.Avc;

/// <summary>SPS captured from <c>ffmpeg -f lavfi -i testsrc2=size=WxH -pix_fmt FMT -c:v libx264 -f h264</c>
/// (emulation prevention bytes included).</summary>
public sealed class AvcSequenceParameterSetTests
{
    [Theory]
    [InlineData("6764000DACD94141FB011000000300100000030320F1429960", 320, 240, 100, 1, false)]
    [InlineData("67640028ACD940780227E5C044000003000400000300C83C60C658", 1920, 1080, 100, 1, false)] // cropped from 1088
    [InlineData("67F4001F919B280A00B76022000003000200000300641E30632C", 1280, 720, 244, 3, false)]  // 4:4:4
    [InlineData("677A001EBCD940D83DE6F011000003000100000300320F162D96", 854, 480, 122, 2, false)]   // 4:2:2, cropped from 864
    [InlineData("6764001EACD940A063F3E022000003000200000300643E28532C", 640, 360, 100, 1, true)]    // interlaced, cropped from 384
    public void Reads_picture_size(string hex, int width, int height, int profile, int chroma, bool interlaced)
    {
        Assert.True(AvcSequenceParameterSet.TryParse(Convert.FromHexString(hex), out var sps));
        Assert.Equal(width, sps.Width);
        Assert.Equal(height, sps.Height);
        Assert.Equal(profile, sps.Profile);
        Assert.Equal(chroma, sps.ChromaFormat);
        Assert.Equal(interlaced, sps.Interlaced);
    }

    [Fact]
    public void Truncated_or_not_an_sps_is_refused()
    {
        var sps = Convert.FromHexString("67640028ACD940780227E5C044000003000400000300C83C60C658");
        for (var length = 0; length < 9; length++)
        {
            Assert.False(AvcSequenceParameterSet.TryParse(sps.AsSpan(0, length), out _), $"prefix of {length} bytes");
        }
        var pps = (byte[])sps.Clone();
        pps[0] = 0x68;
        Assert.False(AvcSequenceParameterSet.TryParse(pps, out _));
        Assert.False(AvcSequenceParameterSet.TryParse([0x67, 0x64, 0x00, 0x28, 0x00, 0x00, 0x00, 0x00, 0x00], out _)); // runaway Exp-Golomb
    }

    [Fact]
    public void Decoder_configuration_exposes_its_first_sps()
    {
        var sps = Convert.FromHexString("6764000DACD94141FB011000000300100000030320F1429960");
        byte[] pps = [0x68, 0xEB, 0xE3, 0xCB, 0x22, 0xC0];
        byte[] record = [0x01, 0x64, 0x00, 0x0D, 0xFF, 0xE1, 0x00, (byte)sps.Length, .. sps, 0x01, 0x00, (byte)pps.Length, .. pps];
        Assert.True(AvcDecoderConfiguration.TryParse(record, out var configuration));
        Assert.Equal(320, configuration.SequenceParameterSet?.Width);
        Assert.Equal(240, configuration.SequenceParameterSet?.Height);
    }
}
