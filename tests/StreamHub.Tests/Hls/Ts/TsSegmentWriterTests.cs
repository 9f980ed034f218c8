using System.Buffers;
using StreamHub.Hls.Ts;
using StreamHub.Media.Aac;
using StreamHub.Tests.Hls.Support;

namespace StreamHub.Tests.Hls.Ts;

/// <summary>What the TS writer does on its own, behind the segmenter: audio packed into PES, held back until a PES is
/// full or the segment ends, dropped with a segment that is not listed, written out before a new configuration.</summary>
public sealed class TsSegmentWriterTests
{
    private const long FrameDuration = 1024 * 90_000L / 44_100; // AAC at 44.1 kHz
    private const int AdtsFrameLength = AdtsHeader.Length + 200;

    private static TsSegmentWriter AudioWriter(ArrayBufferWriter<byte> output, byte[]? config = null)
    {
        var writer = new TsSegmentWriter();
        Configure(writer, output, config);
        return writer;
    }

    private static void Configure(TsSegmentWriter writer, ArrayBufferWriter<byte> output, byte[]? config = null)
    {
        var header = SyntheticFrames.AudioConfig(config: config);
        Assert.True(AudioSpecificConfig.TryParse(header.Payload.Span, out var parsed));
        writer.SetAudioConfiguration(header.Payload.Span, parsed, output);
        header.Release();
    }

    private static void WriteAudio(TsSegmentWriter writer, ArrayBufferWriter<byte> output, int count, long start)
    {
        for (var i = 0; i < count; i++)
        {
            var frame = SyntheticFrames.Audio(0);
            writer.WriteAudio(output, frame, start + i * FrameDuration, FrameDuration);
            frame.Release();
        }
    }

    [Fact]
    public void Audio_frames_share_a_pes_up_to_100_ms_and_the_rest_go_out_when_the_segment_ends()
    {
        var output = new ArrayBufferWriter<byte>();
        var writer = AudioWriter(output);
        writer.BeginSegment(output, hasVideo: false, hasAudio: true, discontinuity: false);
        WriteAudio(writer, output, 10, start: 126_000);
        Assert.Equal(2, TsPesReader.Read(output.WrittenSpan).Count); // 4 + 4 frames; 2 held
        writer.EndSegment(output, 0);

        var units = TsPesReader.Read(output.WrittenSpan);
        Assert.All(units, u => Assert.Equal(PesUnit.AdtsAac, u.StreamType));
        Assert.Equal(new[] { 126_000, 126_000 + 4 * FrameDuration, 126_000 + 8 * FrameDuration }, units.Select(u => u.Pts).ToArray());
        Assert.Equal(new[] { 4 * AdtsFrameLength, 4 * AdtsFrameLength, 2 * AdtsFrameLength }, units.Select(u => u.Payload.Length).ToArray());
    }

    [Fact]
    public void Discard_drops_the_audio_held_for_a_segment_that_is_not_listed()
    {
        var output = new ArrayBufferWriter<byte>();
        var writer = AudioWriter(output);
        writer.BeginSegment(output, hasVideo: false, hasAudio: true, discontinuity: false);
        WriteAudio(writer, output, 2, start: 126_000);
        writer.Discard();

        output.ResetWrittenCount();
        writer.BeginSegment(output, hasVideo: false, hasAudio: true, discontinuity: true);
        WriteAudio(writer, output, 1, start: 200_000);
        writer.EndSegment(output, 0);

        var unit = Assert.Single(TsPesReader.Read(output.WrittenSpan));
        Assert.Equal(200_000, unit.Pts);
        Assert.Equal(AdtsFrameLength, unit.Payload.Length);
    }

    [Fact]
    public void A_new_audio_configuration_first_writes_the_frames_held_with_the_old_one()
    {
        var output = new ArrayBufferWriter<byte>();
        var writer = AudioWriter(output);
        writer.BeginSegment(output, hasVideo: false, hasAudio: true, discontinuity: false);
        WriteAudio(writer, output, 2, start: 126_000);

        Configure(writer, output, SyntheticFrames.AacConfig48k);

        var unit = Assert.Single(TsPesReader.Read(output.WrittenSpan));
        Assert.Equal(2 * AdtsFrameLength, unit.Payload.Length);
        Assert.Equal(4, (unit.Payload[2] >> 2) & 0x0F); // sampling_frequency_index 4: 44.1 kHz, the old configuration
    }
}
