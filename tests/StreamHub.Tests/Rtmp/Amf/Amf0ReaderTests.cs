using System.Buffers;
using System.Text;
using StreamHub.Rtmp;
using StreamHub.Rtmp.Amf;
using StreamHub.Tests.Infrastructure;

namespace StreamHub.Tests.Rtmp.Amf;

public sealed class Amf0ReaderTests
{
    private static object? Read(byte[] bytes, int maxDepth = 16)
    {
        var buffer = new ReadOnlySequence<byte>(bytes);
        Assert.True(Amf0Reader.TryReadValue(ref buffer, maxDepth, out var value));
        Assert.True(buffer.IsEmpty);
        return value;
    }

    private static byte[] Str(string text) => [0x02, 0x00, (byte)text.Length, .. Encoding.UTF8.GetBytes(text)];

    private static byte[] Name(string text) => [0x00, (byte)text.Length, .. Encoding.UTF8.GetBytes(text)];

    /// <summary>connect's command object as FFmpeg sends it, nested with an ECMA array and a strict array.</summary>
    private static byte[] Composite() =>
    [
        0x03, .. Name("app"), .. Str("live"),
        .. Name("fourCcList"), 0x0A, 0x00, 0x00, 0x00, 0x02, .. Str("hvc1"), .. Str("av01"),
        .. Name("nested"), 0x08, 0x00, 0x00, 0x00, 0x00, .. Name("n"), 0x00, 0x40, 0x59, 0, 0, 0, 0, 0, 0, 0x00, 0x00, 0x09,
        .. Name("ok"), 0x01, 0x01,
        0x00, 0x00, 0x09,
    ];

    [Fact]
    public void Golden_scalars()
    {
        Assert.Equal(1.0, Read([0x00, 0x3F, 0xF0, 0, 0, 0, 0, 0, 0]));
        Assert.Equal(true, Read([0x01, 0x01]));
        Assert.Equal(false, Read([0x01, 0x00]));
        Assert.Equal("connect", Read([0x02, 0x00, 0x07, .. "connect"u8]));
        Assert.Null(Read([0x05]));
        Assert.Null(Read([0x06]));
        Assert.Equal(new DateTime(2009, 2, 13, 23, 31, 30, DateTimeKind.Utc), Read([0x0B, 0x42, 0x71, 0xF7, 0x1F, 0xB0, 0x45, 0x00, 0x00, 0x00, 0x00]));
    }

    [Fact]
    public void Object_ecma_array_and_strict_array_parse_structurally()
    {
        var value = Assert.IsType<AmfObject>(Read(Composite()));
        Assert.Equal("live", value.GetString("app"));
        Assert.Equal(["hvc1", "av01"], Assert.IsType<List<object?>>(value["fourCcList"]));
        var nested = Assert.IsType<AmfObject>(value["nested"]);
        Assert.True(nested.IsEcmaArray);
        Assert.Equal(100.0, nested["n"]);
        Assert.Equal(true, value["ok"]);
    }

    [Fact]
    public void Ecma_array_count_is_advisory()
    {
        // Count says 5 (or 0, as FMLE sends); the terminator decides.
        byte[] lying = [0x08, 0, 0, 0, 5, .. Name("a"), .. Str("x"), 0, 0, 9];
        Assert.Single(Assert.IsType<AmfObject>(Read(lying)));
        byte[] zero = [0x08, 0, 0, 0, 0, .. Name("a"), .. Str("x"), .. Name("b"), .. Str("y"), 0, 0, 9];
        Assert.Equal(2, Assert.IsType<AmfObject>(Read(zero)).Count);
    }

    [Fact]
    public void A_0x09_byte_inside_a_string_does_not_end_the_object()
    {
        byte[] bytes = [0x03, .. Name("encoder"), 0x02, 0x00, 0x09, .. "abc\t\t\tdef"u8, .. Name("w"), 0x00, 0x40, 0x74, 0, 0, 0, 0, 0, 0, 0, 0, 9];
        var value = Assert.IsType<AmfObject>(Read(bytes));
        Assert.Equal("abc\t\t\tdef", value["encoder"]);
        Assert.Equal(320.0, value["w"]);
    }

    [Fact]
    public void Long_string_typed_object_and_xml()
    {
        var text = new string('x', 70_000);
        Assert.Equal(text, Read([0x0C, 0x00, 0x01, 0x11, 0x70, .. Encoding.ASCII.GetBytes(text)]));
        var typed = Assert.IsType<AmfObject>(Read([0x10, 0x00, 0x03, .. "Foo"u8, .. Name("a"), .. Str("b"), 0, 0, 9]));
        Assert.Equal("Foo", typed.ClassName);
        Assert.Equal("b", typed["a"]);
        Assert.Equal("<a/>", Read([0x0F, 0, 0, 0, 4, .. "<a/>"u8]));
    }

    [Theory]
    [InlineData(new byte[] { 0x04, 0x05 }, 5.0)]
    [InlineData(new byte[] { 0x04, 0xFF, 0xFF, 0xFF, 0xFF }, -1.0)]
    [InlineData(new byte[] { 0x04, 0x81, 0x00 }, 128.0)]
    [InlineData(new byte[] { 0x02 }, false)]
    [InlineData(new byte[] { 0x03 }, true)]
    public void Amf3_switch_values(byte[] amf3, object expected)
    {
        Assert.Equal(expected, Read([0x11, .. amf3]));
    }

    [Fact]
    public void Amf3_switch_string_and_null()
    {
        Assert.Equal("abc", Read([0x11, 0x06, 0x07, .. "abc"u8]));
        Assert.Null(Read([0x11, 0x01]));
    }

    [Fact]
    public void Every_truncated_prefix_returns_false_and_consumes_nothing()
    {
        var bytes = Composite();
        for (var length = 0; length < bytes.Length; length++)
        {
            var buffer = new ReadOnlySequence<byte>(bytes, 0, length);
            Assert.False(Amf0Reader.TryReadValue(ref buffer, 16, out _), $"prefix of {length}");
            Assert.Equal(length, buffer.Length);
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(5)]
    public void Input_split_across_segments_reads_the_same(int segmentSize)
    {
        byte[] bytes = [.. Composite(), 0x05];
        var buffer = TestSequenceSegment.Split(bytes, segmentSize);
        Assert.True(Amf0Reader.TryReadValue(ref buffer, 16, out var value));
        Assert.Equal("live", Assert.IsType<AmfObject>(value).GetString("app"));
        Assert.Equal(1, buffer.Length);
    }

    [Fact]
    public void Nesting_beyond_the_limit_raises_AmfTooDeep()
    {
        static byte[] Nested(int depth) => depth == 0
            ? [0x05]
            : [0x03, .. Name("o"), .. Nested(depth - 1), 0, 0, 9];
        Assert.NotNull(Read(Nested(4), maxDepth: 4));
        var buffer = new ReadOnlySequence<byte>(Nested(5));
        Assert.Equal(RtmpError.AmfTooDeep, Assert.Throws<RtmpProtocolException>(() => Amf0Reader.TryReadValue(ref buffer, 4, out _)).Error);
        var arrays = new ReadOnlySequence<byte>(Enumerable.Repeat(new byte[] { 0x0A, 0, 0, 0, 1 }, 20).SelectMany(b => b).Append((byte)5).ToArray());
        Assert.Equal(RtmpError.AmfTooDeep, Assert.Throws<RtmpProtocolException>(() => Amf0Reader.TryReadValue(ref arrays, 16, out _)).Error);
    }

    [Theory]
    [InlineData(new byte[] { 0x04 }, RtmpError.UnsupportedAmfType)]
    [InlineData(new byte[] { 0x0E }, RtmpError.UnsupportedAmfType)]
    [InlineData(new byte[] { 0x07, 0x00, 0x01 }, RtmpError.UnsupportedAmfType)]
    [InlineData(new byte[] { 0x12 }, RtmpError.UnsupportedAmfType)]
    [InlineData(new byte[] { 0x09 }, RtmpError.MalformedAmf)]
    [InlineData(new byte[] { 0x11, 0x0A, 0x0B }, RtmpError.UnsupportedAmfType)]
    [InlineData(new byte[] { 0x11, 0x06, 0x00 }, RtmpError.UnsupportedAmfType)]
    public void Malformed_or_unsupported_markers_raise_the_typed_error(byte[] bytes, RtmpError error)
    {
        var buffer = new ReadOnlySequence<byte>(bytes);
        Assert.Equal(error, Assert.Throws<RtmpProtocolException>(() => Amf0Reader.TryReadValue(ref buffer, 16, out _)).Error);
    }

    [Fact]
    public void Strict_array_count_larger_than_the_data_is_incomplete_not_an_allocation()
    {
        var buffer = new ReadOnlySequence<byte>(new byte[] { 0x0A, 0x7F, 0xFF, 0xFF, 0xFF, 0x05 });
        Assert.False(Amf0Reader.TryReadValue(ref buffer, 16, out _));
    }

    [Fact]
    public void Values_past_the_budget_raise_TooManyAmfValues()
    {
        // An object of 3 properties is 4 values (the object itself and its properties).
        byte[] three = [0x03, .. Name("a"), 0x05, .. Name("b"), 0x05, .. Name("c"), 0x05, 0x00, 0x00, 0x09];
        var enough = new ReadOnlySequence<byte>(three);
        var budget = 4;
        Assert.True(Amf0Reader.TryReadValue(ref enough, 16, ref budget, 4, out var value));
        Assert.Equal(3, Assert.IsType<AmfObject>(value).Count);
        Assert.Equal(0, budget);

        var tight = new ReadOnlySequence<byte>(three);
        budget = 3;
        Assert.Equal(RtmpError.TooManyAmfValues, Assert.Throws<RtmpProtocolException>(() => Amf0Reader.TryReadValue(ref tight, 16, ref budget, 3, out _)).Error);
    }

    [Fact]
    public void A_strict_array_count_over_the_budget_is_refused_before_its_elements()
    {
        // Claims 1,000 elements and carries 1,000 nulls: the count alone goes past a budget of 100.
        var buffer = new ReadOnlySequence<byte>((byte[])[0x0A, 0x00, 0x00, 0x03, 0xE8, .. Enumerable.Repeat((byte)0x05, 1000)]);
        var budget = 100;
        Assert.Equal(RtmpError.TooManyAmfValues, Assert.Throws<RtmpProtocolException>(() => Amf0Reader.TryReadValue(ref buffer, 16, ref budget, 100, out _)).Error);
    }

    [Fact]
    public void A_truncated_value_returns_false_and_spends_no_budget()
    {
        var buffer = new ReadOnlySequence<byte>((byte[])[0x03, .. Name("a"), 0x05, .. Name("b")]);
        var budget = 10;
        Assert.False(Amf0Reader.TryReadValue(ref buffer, 16, ref budget, 10, out _));
        Assert.Equal(10, budget);
    }
}
