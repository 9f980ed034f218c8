using StreamHub.Media.Hevc;

namespace StreamHub.Tests.Media.Hevc;

public sealed class HevcPictureSizeTests
{
    // hvcC that libx265 wrote for a 98x58 picture (coded as 104x64 with a conformance window cropping it back).
    private static readonly byte[] Record = Convert.FromHexString(
        "0101600000009000000000001EF000FCFDF8F800000F03A00001001840010C01FFFF01600000030090000003000003001E959809" +
        "A10001002A42010101600000030090000003000003001EA034810724996566B932BC05A02000000300200000030321A200010006" +
        "4401C173D189");

    [Fact]
    public void Reads_the_cropped_size_from_the_sps()
    {
        Assert.True(HevcPictureSize.TryRead(Record, out var width, out var height));
        Assert.Equal((98, 58), (width, height));
    }

    [Fact]
    public void Every_truncation_is_a_false_not_an_exception()
    {
        const int PpsArray = 3 + 2 + 6; // the PPS array after the SPS: its header, the NAL length, the NAL
        for (var length = 0; length < Record.Length - PpsArray; length++)
        {
            // Cut inside the SPS or before it: never a size.
            Assert.False(HevcPictureSize.TryRead(Record.AsSpan(0, length), out _, out _), $"length {length}");
        }
    }
}
