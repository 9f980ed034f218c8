using StreamHub.Media.Aac;

namespace StreamHub.Tests.Media.Aac;

public sealed class AacTests
{
    [Theory]
    [InlineData(new byte[] { 0x12, 0x10 }, 2, 4, 44100, 2)]
    [InlineData(new byte[] { 0x11, 0x90 }, 2, 3, 48000, 2)]
    [InlineData(new byte[] { 0x12, 0x08 }, 2, 4, 44100, 1)]
    [InlineData(new byte[] { 0x2B, 0x92, 0x08, 0x00 }, 5, 7, 22050, 2)] // HE-AAC: core 22.05 kHz, SBR to 44.1 kHz
    public void Parses_audio_specific_config(byte[] config, int objectType, int frequencyIndex, int sampleRate, int channels)
    {
        Assert.True(AudioSpecificConfig.TryParse(config, out var asc));
        Assert.Equal(new AudioSpecificConfig(objectType, frequencyIndex, sampleRate, channels), asc);
    }

    [Fact]
    public void Parses_escaped_object_type_and_explicit_rate()
    {
        // objectType 31 -> 6 bits 000010 = 32 + 2 = 34; freqIndex 15 -> 24-bit 44100 (0x00AC44); channels 2.
        // bits: 11111 000010 1111 000000001010110001000100 0010 (+ pad)
        var bits = "11111" + "000010" + "1111" + "000000001010110001000100" + "0010";
        bits = bits.PadRight((bits.Length + 7) / 8 * 8, '0');
        var bytes = Enumerable.Range(0, bits.Length / 8).Select(i => Convert.ToByte(bits.Substring(i * 8, 8), 2)).ToArray();
        Assert.True(AudioSpecificConfig.TryParse(bytes, out var asc));
        Assert.Equal(new AudioSpecificConfig(34, 15, 44100, 2), asc);
        Assert.Equal(4, asc.AdtsFrequencyIndex);
        Assert.Equal(2, asc.AdtsObjectType);
    }

    [Fact]
    public void Rejects_truncated_and_reserved_configs()
    {
        Assert.False(AudioSpecificConfig.TryParse([], out _));
        Assert.False(AudioSpecificConfig.TryParse([0x12], out _));
        Assert.False(AudioSpecificConfig.TryParse([0x16, 0x90], out _)); // freq index 13 reserved
        Assert.False(AudioSpecificConfig.TryParse([0x07, 0x80, 0x00], out _)); // explicit rate, truncated
        Assert.False(AudioSpecificConfig.TryParse([0x00, 0x10], out _)); // object type 0
    }

    [Theory]
    [InlineData(new byte[] { 0x12, 0x10 }, 100, new byte[] { 0xFF, 0xF1, 0x50, 0x80, 0x0D, 0x7F, 0xFC })]
    [InlineData(new byte[] { 0x11, 0x90 }, 100, new byte[] { 0xFF, 0xF1, 0x4C, 0x80, 0x0D, 0x7F, 0xFC })]
    // Captured from `ffmpeg -f lavfi -i sine -c:a aac -f mpegts` (LC 44.1 kHz mono, 258-byte frame).
    [InlineData(new byte[] { 0x12, 0x08 }, 258, new byte[] { 0xFF, 0xF1, 0x50, 0x40, 0x21, 0x3F, 0xFC })]
    // HE-AAC signalled as LC at the core rate (22.05 kHz, index 7): profile bits 01.
    [InlineData(new byte[] { 0x2B, 0x92, 0x08, 0x00 }, 100, new byte[] { 0xFF, 0xF1, 0x5C, 0x80, 0x0D, 0x7F, 0xFC })]
    public void Writes_adts_header(byte[] config, int payloadLength, byte[] expected)
    {
        Assert.True(AudioSpecificConfig.TryParse(config, out var asc));
        var header = new byte[AdtsHeader.Length];
        AdtsHeader.Write(header, asc, payloadLength);
        Assert.Equal(expected, header);
    }

    [Fact]
    public void Adts_refuses_frames_longer_than_13_bits()
    {
        Assert.True(AudioSpecificConfig.TryParse([0x12, 0x10], out var asc));
        Assert.Throws<ArgumentOutOfRangeException>(() => AdtsHeader.Write(new byte[7], asc, AdtsHeader.MaxPayloadLength + 1));
    }
}
