using System.Buffers;
using StreamHub.Rtmp.Amf;

namespace StreamHub.Tests.Rtmp.Amf;

public sealed class Amf0WriterTests
{
    private static byte[] Write(object? value)
    {
        var output = new ArrayBufferWriter<byte>();
        Amf0Writer.WriteValue(output, value);
        return output.WrittenSpan.ToArray();
    }

    [Fact]
    public void Golden_encodings()
    {
        Assert.Equal(new byte[] { 0x00, 0x3F, 0xF0, 0, 0, 0, 0, 0, 0 }, Write(1.0));
        Assert.Equal(new byte[] { 0x00, 0x40, 0x3F, 0, 0, 0, 0, 0, 0 }, Write(31));
        Assert.Equal(new byte[] { 0x01, 0x01 }, Write(true));
        Assert.Equal(new byte[] { 0x05 }, Write(null));
        Assert.Equal((byte[])[0x02, 0x00, 0x07, .. "_result"u8], Write("_result"));
        Assert.Equal((byte[])[0x03, 0x00, 0x03, .. "app"u8, 0x02, 0x00, 0x04, .. "live"u8, 0x00, 0x00, 0x09], Write(new AmfObject { ["app"] = "live" }));
        Assert.Equal(new byte[] { 0x08, 0, 0, 0, 1, 0x00, 0x01, (byte)'w', 0x00, 0x40, 0x74, 0, 0, 0, 0, 0, 0, 0x00, 0x00, 0x09 },
            Write(new AmfObject { IsEcmaArray = true, ["w"] = 320.0 }));
        Assert.Equal(new byte[] { 0x0A, 0, 0, 0, 2, 0x05, 0x01, 0x00 }, Write(new List<object?> { null, false }));
    }

    [Fact]
    public void Strings_over_65535_bytes_become_long_strings_and_round_trip()
    {
        var text = new string('y', 65536);
        var bytes = Write(text);
        Assert.Equal(new byte[] { 0x0C, 0x00, 0x01, 0x00, 0x00 }, bytes[..5]);
        var buffer = new ReadOnlySequence<byte>(bytes);
        Assert.True(Amf0Reader.TryReadValue(ref buffer, 16, out var value));
        Assert.Equal(text, value);
    }

    [Fact]
    public void Dates_round_trip()
    {
        var date = new DateTime(2026, 11, 24, 2, 30, 0, DateTimeKind.Utc);
        var buffer = new ReadOnlySequence<byte>(Write(date));
        Assert.True(Amf0Reader.TryReadValue(ref buffer, 16, out var value));
        Assert.Equal(date, value);
    }
}
