using System.Buffers;
using StreamHub.Media.Avc;

namespace StreamHub.Tests.Media.Avc;

public sealed class AnnexBWriterTests
{
    // avcC: version 1, High profile 0x64, compat 00, level 0x1F, lengthSizeMinusOne 3, 1 SPS (67 64 00 1F AC), 1 PPS (68 EE 3C 80).
    private static readonly byte[] Record =
    [
        0x01, 0x64, 0x00, 0x1F, 0xFF, 0xE1, 0x00, 0x05, 0x67, 0x64, 0x00, 0x1F, 0xAC,
        0x01, 0x00, 0x04, 0x68, 0xEE, 0x3C, 0x80,
    ];

    private static AvcDecoderConfiguration Config()
    {
        Assert.True(AvcDecoderConfiguration.TryParse(Record, out var config));
        return config;
    }

    [Fact]
    public void Parses_decoder_configuration_record()
    {
        var config = Config();
        Assert.Equal(4, config.NalLengthSize);
        Assert.Equal(0x64, config.Profile);
        Assert.Equal(0x1F, config.Level);
        Assert.Equal("avc1.64001F", config.CodecString);
        Assert.Equal([0x67, 0x64, 0x00, 0x1F, 0xAC], Assert.Single(config.SequenceParameterSets));
        Assert.Equal([0x68, 0xEE, 0x3C, 0x80], Assert.Single(config.PictureParameterSets));
    }

    [Fact]
    public void Rejects_every_truncated_record_and_bad_version()
    {
        for (var length = 0; length < Record.Length; length++)
        {
            Assert.False(AvcDecoderConfiguration.TryParse(Record.AsSpan(0, length), out _), $"prefix of {length} bytes");
        }
        var wrongVersion = (byte[])Record.Clone();
        wrongVersion[0] = 2;
        Assert.False(AvcDecoderConfiguration.TryParse(wrongVersion, out _));
        var reservedLengthSize = (byte[])Record.Clone();
        reservedLengthSize[4] = 0xFE; // lengthSizeMinusOne = 2
        Assert.False(AvcDecoderConfiguration.TryParse(reservedLengthSize, out _));
    }

    [Fact]
    public void Idr_access_unit_gets_aud_first_then_sps_pps_and_drops_inband_aud_and_parameter_sets()
    {
        byte[] avcc =
        [
            0x00, 0x00, 0x00, 0x02, 0x09, 0x10,             // in-band AUD: dropped
            0x00, 0x00, 0x00, 0x03, 0x67, 0x01, 0x02,       // in-band SPS in an IDR AU: replaced by the record's
            0x00, 0x00, 0x00, 0x02, 0x06, 0x05,             // SEI
            0x00, 0x00, 0x00, 0x03, 0x65, 0x88, 0x84,       // IDR slice
        ];
        var output = new ArrayBufferWriter<byte>();
        Assert.True(AnnexBWriter.TryWrite(avcc, Config(), output));
        byte[] expected =
        [
            0x00, 0x00, 0x00, 0x01, 0x09, 0xF0,
            0x00, 0x00, 0x00, 0x01, 0x67, 0x64, 0x00, 0x1F, 0xAC,
            0x00, 0x00, 0x00, 0x01, 0x68, 0xEE, 0x3C, 0x80,
            0x00, 0x00, 0x00, 0x01, 0x06, 0x05,
            0x00, 0x00, 0x00, 0x01, 0x65, 0x88, 0x84,
        ];
        Assert.Equal(expected, output.WrittenSpan.ToArray());
    }

    [Fact]
    public void Non_idr_access_unit_gets_aud_and_no_parameter_sets()
    {
        byte[] avcc = [0x00, 0x00, 0x00, 0x02, 0x09, 0x30, 0x00, 0x00, 0x00, 0x03, 0x41, 0x9A, 0x23];
        var output = new ArrayBufferWriter<byte>();
        Assert.True(AnnexBWriter.TryWrite(avcc, Config(), output));
        Assert.Equal([0x00, 0x00, 0x00, 0x01, 0x09, 0xF0, 0x00, 0x00, 0x00, 0x01, 0x41, 0x9A, 0x23], output.WrittenSpan.ToArray());
    }

    [Fact]
    public void Two_byte_length_prefixes_are_honoured()
    {
        var record = (byte[])Record.Clone();
        record[4] = 0xFD; // lengthSizeMinusOne = 1
        Assert.True(AvcDecoderConfiguration.TryParse(record, out var config));
        byte[] avcc = [0x00, 0x02, 0x41, 0x01, 0x00, 0x01, 0x41];
        var output = new ArrayBufferWriter<byte>();
        Assert.True(AnnexBWriter.TryWrite(avcc, config, output));
        Assert.Equal([0, 0, 0, 1, 0x09, 0xF0, 0, 0, 0, 1, 0x41, 0x01, 0, 0, 0, 1, 0x41], output.WrittenSpan.ToArray());
    }

    [Fact]
    public void Length_running_past_the_end_writes_nothing()
    {
        byte[] avcc = [0x00, 0x00, 0x00, 0x03, 0x65, 0x88, 0x00, 0x00, 0x00, 0x09, 0x41];
        var output = new ArrayBufferWriter<byte>();
        Assert.False(AnnexBWriter.TryWrite(avcc, Config(), output));
        Assert.Equal(0, output.WrittenCount);
        Assert.False(AnnexBWriter.TryWrite([0x00, 0x00, 0xFF, 0xFF, 0xFF, 0xFF], Config(), output));
        Assert.False(AnnexBWriter.TryWrite([0x00, 0x00], Config(), output));
    }
}
