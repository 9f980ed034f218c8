using System.Buffers;
using StreamHub.Rtmp.Messages;

namespace StreamHub.Tests.Rtmp.Messages;

public sealed class AggregateReaderTests
{
    [Fact]
    public void Reads_flv_tags_with_back_pointers()
    {
        byte[] bytes =
        [
            0x09, 0x00, 0x00, 0x02, 0x00, 0x03, 0xE8, 0x00, 0x00, 0x00, 0x00, 0xAA, 0xBB, 0x00, 0x00, 0x00, 0x0D,
            0x08, 0x00, 0x00, 0x01, 0x00, 0x04, 0x10, 0x01, 0x00, 0x00, 0x00, 0xCC, 0x00, 0x00, 0x00, 0x0C,
        ];
        var buffer = new ReadOnlySequence<byte>(bytes);
        Assert.True(AggregateReader.TryReadTag(ref buffer, out var type1, out var ts1, out var data1));
        Assert.True(AggregateReader.TryReadTag(ref buffer, out var type2, out var ts2, out var data2));
        Assert.False(AggregateReader.TryReadTag(ref buffer, out _, out _, out _));
        Assert.Equal((RtmpMessageType.Video, 1000u), (type1, ts1));
        Assert.Equal(new byte[] { 0xAA, 0xBB }, data1.ToArray());
        Assert.Equal((RtmpMessageType.Audio, 0x01000410u), (type2, ts2));
        Assert.Equal(new byte[] { 0xCC }, data2.ToArray());
    }
}
