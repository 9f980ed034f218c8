using StreamHub.Media.Av1;

namespace StreamHub.Tests.Media.Av1;

public sealed class Av1PictureSizeTests
{
    [Theory]
    [InlineData("81000C000A0A000000032E1E4DAF9004", 98, 58)] // libaom-av1, 98x58
    [InlineData("81080C000A0B000000043CFFBC02F80040", 320, 240)] // SVT-AV1, 320x240
    public void Reads_max_frame_size_from_the_sequence_header_obu(string record, int width, int height)
    {
        Assert.True(Av1PictureSize.TryRead(Convert.FromHexString(record), out var w, out var h));
        Assert.Equal((width, height), (w, h));
    }

    [Fact]
    public void Every_truncation_is_a_false_not_an_exception()
    {
        var record = Convert.FromHexString("81080C000A0B000000043CFFBC02F80040");
        for (var length = 0; length < record.Length - 1; length++)
        {
            Assert.False(Av1PictureSize.TryRead(record.AsSpan(0, length), out _, out _), $"length {length}");
        }
    }
}
