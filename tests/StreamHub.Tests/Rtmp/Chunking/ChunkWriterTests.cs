using System.Buffers;
using StreamHub.Rtmp.Chunking;
using StreamHub.Rtmp.Messages;

namespace StreamHub.Tests.Rtmp.Chunking;

public sealed class ChunkWriterTests
{
    [Fact]
    public void Writes_spec_example_2_bytes()
    {
        var payload = new byte[307];
        var output = new ArrayBufferWriter<byte>();
        ChunkWriter.WriteMessage(output, 4, 1000, RtmpMessageType.Video, 12346, payload, 128);

        var bytes = output.WrittenSpan.ToArray();
        Assert.Equal(12 + 128 + 1 + 128 + 1 + 51, bytes.Length);
        Assert.Equal(new byte[] { 0x04, 0x00, 0x03, 0xE8, 0x00, 0x01, 0x33, 0x09, 0x3A, 0x30, 0x00, 0x00 }, bytes[..12]);
        Assert.Equal(0xC4, bytes[140]);
        Assert.Equal(0xC4, bytes[269]);
    }

    [Fact]
    public void Extended_timestamp_is_written_on_fmt0_and_every_continuation()
    {
        var output = new ArrayBufferWriter<byte>();
        ChunkWriter.WriteMessage(output, 3, 0x01000000, RtmpMessageType.Amf0Command, 1, new byte[300], 128);

        var bytes = output.WrittenSpan.ToArray();
        Assert.Equal(new byte[] { 0x03, 0xFF, 0xFF, 0xFF, 0x00, 0x01, 0x2C, 0x14, 0x01, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00 }, bytes[..16]);
        Assert.Equal(new byte[] { 0xC3, 0x01, 0x00, 0x00, 0x00 }, bytes[144..149]);
        Assert.Equal(new byte[] { 0xC3, 0x01, 0x00, 0x00, 0x00 }, bytes[277..282]);
        Assert.Equal(282 + 44, bytes.Length);
    }

    [Theory]
    [InlineData(2, new byte[] { 0x02 })]
    [InlineData(63, new byte[] { 0x3F })]
    [InlineData(64, new byte[] { 0x00, 0x00 })]
    [InlineData(319, new byte[] { 0x00, 0xFF })]
    [InlineData(320, new byte[] { 0x01, 0x00, 0x01 })]
    [InlineData(65599, new byte[] { 0x01, 0xFF, 0xFF })]
    public void Basic_header_uses_the_shortest_form(int chunkStreamId, byte[] expected)
    {
        var span = new byte[3];
        var length = ChunkWriter.WriteBasicHeader(span, 0, chunkStreamId);
        Assert.Equal(expected, span[..length]);
    }

    [Fact]
    public void Round_trips_through_the_reader_at_any_chunk_size()
    {
        var payload = Enumerable.Range(0, 5000).Select(i => (byte)i).ToArray();
        foreach (var chunkSize in new[] { 1, 128, 4096, 65536 })
        {
            var output = new ArrayBufferWriter<byte>();
            ChunkWriter.WriteMessage(output, 300, 0xFFFFFFF0, RtmpMessageType.Video, 7, payload, chunkSize);
            using var reader = new ChunkReader(1 << 20, 0xFFFFFF, 64);
            reader.SetChunkSize((uint)chunkSize);
            var buffer = new ReadOnlySequence<byte>(output.WrittenMemory);
            Assert.True(reader.TryRead(ref buffer, out var message));
            Assert.Equal(payload, message.Payload.ToArray());
            Assert.Equal(0xFFFFFFF0u, message.Timestamp);
            Assert.Equal(300, message.ChunkStreamId);
            Assert.Equal(7u, message.StreamId);
            Assert.True(buffer.IsEmpty);
        }
    }
}
