using StreamHub.Hls.Fmp4;

namespace StreamHub.Tests.Hls.Fmp4;

public sealed class BoxWriterTests
{
    [Fact]
    public void Nested_boxes_get_their_sizes_patched_in()
    {
        var buffer = new byte[64];
        var box = new BoxWriter(buffer);
        var moov = box.Start(BoxType.Moov);
        var mvhd = box.StartFull(BoxType.Mvhd, 1, 0x000203);
        box.U64(0x0102030405060708);
        box.End(mvhd);
        var trak = box.Start(BoxType.Trak);
        box.End(trak);
        box.U24(0xABCDEF);
        box.End(moov);
        Assert.Equal(8 + 20 + 8 + 3, box.Length);
        Assert.Equal(Convert.FromHexString(
            "00000027" + "6D6F6F76" +
            "00000014" + "6D766864" + "01000203" + "0102030405060708" +
            "00000008" + "7472616B" +
            "ABCDEF"), buffer[..box.Length]);
    }
}
