using StreamHub.Hls.Segmenting;

namespace StreamHub.Tests.Hls.Segmenting;

public sealed class SegmentBufferTests
{
    [Fact]
    public void Grows_keeping_what_was_written_and_detaches_exactly_the_written_bytes()
    {
        var buffer = new SegmentBuffer(4096);
        var expected = new List<byte>();
        for (var i = 0; i < 100; i++)
        {
            var span = buffer.GetSpan(188);
            Assert.True(span.Length >= 188);
            span[..188].Fill((byte)i);
            buffer.Advance(188);
            expected.AddRange(Enumerable.Repeat((byte)i, 188));
        }
        Assert.True(buffer.Capacity >= 100 * 188);
        var data = buffer.Detach();
        Assert.Equal(expected.ToArray(), data.ToArray());
        Assert.Equal(0, buffer.WrittenCount);
    }

    [Fact]
    public void Advancing_past_the_end_throws()
    {
        var buffer = new SegmentBuffer(4096);
        var length = buffer.GetSpan().Length;
        Assert.Throws<ArgumentOutOfRangeException>(() => buffer.Advance(length + 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => buffer.Advance(-1));
    }
}
