using System.Buffers;
using StreamHub.Media.Av1;
using StreamHub.Tests.Infrastructure;

namespace StreamHub.Tests.Media.Av1;

/// <summary>Which <c>av01</c> temporal units may start a segment. The units are whole temporal units from SVT-AV1 2.3
/// (Debian 13's ffmpeg 7.1: <c>-f lavfi -i color=c=gray:size=64x64:rate=10 -c:v libsvtav1 -svtav1-params
/// lp=1:keyint=4 -f obu</c>), the same bytes ffmpeg sends over Enhanced RTMP: a key unit is a temporal delimiter, a
/// sequence header and a frame; the others are a hidden inter frame with a shown one, a show_existing_frame, and a
/// shown inter frame. The still picture is libaom's (<c>-still-picture 1</c>): reduced_still_picture_header.</summary>
public sealed class Av1RandomAccessTests
{
    internal static readonly byte[] Key = Convert.FromHexString("12000A0A00000002AFFF895F2008320D1000AE020514208100020090C0");
    internal static readonly byte[] HiddenAndShownInter = Convert.FromHexString(
        "120032112802002492491D8C040000400060009C1032113002040924002B1C000002000300009B70");
    internal static readonly byte[] ShowExisting = Convert.FromHexString("12001A0188");
    internal static readonly byte[] Inter = Convert.FromHexString("120032103006020180002B1C00000200000097C0");
    private static readonly byte[] StillPicture = Convert.FromHexString("12000A0618157FFDB008320A180000005000000009AC");

    public static TheoryData<string, Av1RandomAccess> Units => new()
    {
        { nameof(Key), Av1RandomAccess.RandomAccessPoint },
        { nameof(HiddenAndShownInter), Av1RandomAccess.InterFrame },
        { nameof(ShowExisting), Av1RandomAccess.ShowExistingFrame },
        { nameof(Inter), Av1RandomAccess.InterFrame },
        { nameof(StillPicture), Av1RandomAccess.RandomAccessPoint },
    };

    private static byte[] Unit(string name) => name switch
    {
        nameof(Key) => Key,
        nameof(HiddenAndShownInter) => HiddenAndShownInter,
        nameof(ShowExisting) => ShowExisting,
        nameof(Inter) => Inter,
        _ => StillPicture,
    };

    [Theory]
    [MemberData(nameof(Units))]
    public void An_encoders_units_are_told_apart(string name, Av1RandomAccess expected)
    {
        Assert.Equal(expected, Av1TemporalUnit.ReadRandomAccess(new ReadOnlySequence<byte>(Unit(name))));
    }

    [Theory]
    [MemberData(nameof(Units))]
    public void A_unit_split_anywhere_reads_the_same(string name, Av1RandomAccess expected)
    {
        var unit = Unit(name);
        for (var at = 1; at < unit.Length; at++)
        {
            Assert.Equal(expected, Av1TemporalUnit.ReadRandomAccess(TestSequenceSegment.SplitAt(unit, at)));
        }
        Assert.Equal(expected, Av1TemporalUnit.ReadRandomAccess(TestSequenceSegment.Split(unit, 1)));
    }

    [Fact]
    public void A_key_frame_without_the_sequence_header_is_not_a_random_access_point()
    {
        // The key unit with its sequence header OBU (0A 0A + 10 bytes) left out.
        byte[] unit = [.. Key.AsSpan(0, 2), .. Key.AsSpan(14)];
        Assert.Equal(Av1RandomAccess.KeyFrameWithoutSequenceHeader, Av1TemporalUnit.ReadRandomAccess(new ReadOnlySequence<byte>(unit)));
        // Without the temporal delimiter the unit is still a random access point.
        Assert.Equal(Av1RandomAccess.RandomAccessPoint, Av1TemporalUnit.ReadRandomAccess(new ReadOnlySequence<byte>(Key.AsMemory(2))));
    }

    [Theory]
    [InlineData(0x00, Av1RandomAccess.HiddenKeyFrame)] // KEY_FRAME, show_frame 0
    [InlineData(0x50, Av1RandomAccess.IntraOnlyFrame)] // frame_type 2, shown
    [InlineData(0x70, Av1RandomAccess.SwitchFrame)] // frame_type 3, shown
    [InlineData(0x30, Av1RandomAccess.InterFrame)]
    [InlineData(0x80, Av1RandomAccess.ShowExistingFrame)]
    public void The_first_bits_of_the_frame_header_decide(byte first, Av1RandomAccess expected)
    {
        var unit = Key.ToArray();
        unit[16] = first; // the frame OBU: 32 0D, then its uncompressed header
        Assert.Equal(expected, Av1TemporalUnit.ReadRandomAccess(new ReadOnlySequence<byte>(unit)));
    }

    [Fact]
    public void A_reduced_still_picture_header_has_no_frame_type_bits_to_read()
    {
        // The frame header's first bit set would read as show_existing_frame in a full header; a reduced header has no
        // such field: every frame is a shown key frame (AV1 §5.9.2).
        var unit = StillPicture.ToArray();
        unit[12] = 0xFF;
        Assert.Equal(Av1RandomAccess.RandomAccessPoint, Av1TemporalUnit.ReadRandomAccess(new ReadOnlySequence<byte>(unit)));
        // The same bytes behind a full sequence header are a shown existing frame.
        unit[4] = 0x10; // still_picture 1, reduced_still_picture_header 0
        Assert.Equal(Av1RandomAccess.ShowExistingFrame, Av1TemporalUnit.ReadRandomAccess(new ReadOnlySequence<byte>(unit)));
    }

    [Fact]
    public void Obu_extensions_and_other_obus_before_the_frame_are_skipped()
    {
        // A metadata OBU (type 5, 3 bytes) after the sequence header, and the frame with an extension byte
        // (temporal_id 0, spatial_id 0).
        byte[] unit = [.. Key.AsSpan(0, 14), 0x2A, 0x03, 0x01, 0x02, 0x03, 0x36, 0x00, .. Key.AsSpan(15)];
        Assert.Equal(Av1RandomAccess.RandomAccessPoint, Av1TemporalUnit.ReadRandomAccess(new ReadOnlySequence<byte>(unit)));
    }

    [Fact]
    public void A_last_obu_without_a_size_field_runs_to_the_end()
    {
        byte[] unit = [.. Key.AsSpan(0, 14), 0x30, .. Key.AsSpan(16)];
        Assert.Equal(Av1RandomAccess.RandomAccessPoint, Av1TemporalUnit.ReadRandomAccess(new ReadOnlySequence<byte>(unit)));
    }

    [Fact]
    public void Every_truncated_key_unit_is_not_a_random_access_point()
    {
        // Any prefix that ends before the frame header's first byte: a size past the end, a cut leb128 or header.
        for (var length = 0; length <= 16; length++)
        {
            var access = Av1TemporalUnit.ReadRandomAccess(new ReadOnlySequence<byte>(Key, 0, length));
            Assert.NotEqual(Av1RandomAccess.RandomAccessPoint, access);
        }
        // The frame OBU declares 13 bytes; any fewer is malformed, even though its first byte is there.
        for (var length = 17; length < Key.Length; length++)
        {
            Assert.Equal(Av1RandomAccess.Malformed, Av1TemporalUnit.ReadRandomAccess(new ReadOnlySequence<byte>(Key, 0, length)));
        }
    }

    [Theory]
    [InlineData("")] // nothing
    [InlineData("1200")] // a temporal delimiter alone
    [InlineData("1200220100")] // an empty tile group (type 4) before any frame header
    public void A_unit_without_a_frame_header_is_not_a_random_access_point(string hex)
    {
        Assert.Equal(Av1RandomAccess.NoFrameHeader, Av1TemporalUnit.ReadRandomAccess(new ReadOnlySequence<byte>(Convert.FromHexString(hex))));
    }

    [Theory]
    [InlineData("92000A0A")] // forbidden bit set
    [InlineData("1280")] // leb128 cut short
    [InlineData("12FFFFFFFFFFFFFFFF01")] // leb128 longer than 8 bytes
    [InlineData("12808080801000")] // leb128 of 2^32: above the limit
    [InlineData("0AFFFFFFFF0F00")] // a sequence header whose size is far past the end
    [InlineData("0A00320110")] // an empty sequence header
    [InlineData("0A0100320010")] // an empty frame
    [InlineData("16")] // an extension flag with the extension byte missing
    public void Malformed_units_are_named_malformed(string hex)
    {
        Assert.Equal(Av1RandomAccess.Malformed, Av1TemporalUnit.ReadRandomAccess(new ReadOnlySequence<byte>(Convert.FromHexString(hex))));
    }
}
