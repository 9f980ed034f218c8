using StreamHub.Hls.Segmenting;
using StreamHub.Media;
using StreamHub.Media.Aac;
using StreamHub.Media.Avc;
using StreamHub.Tests.Hls.Support;

namespace StreamHub.Tests.Hls.Segmenting;

/// <summary>Publisher-controlled bytes and timestamps must never throw out of the packaging path (it runs on the
/// publisher's read loop) and must still give well-formed segments.</summary>
public sealed class SegmenterFuzzTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Random_frames_never_throw_and_segments_stay_well_formed(int seed)
    {
        var random = new Random(seed);
        var segmenter = new Segmenter(new SegmentWindow(3, 3, 0), TimeSpan.FromSeconds(2), TimeProvider.System, maxSegmentBytes: 200_000);
        segmenter.BeginPublish();
        long dts = 0;
        for (var i = 0; i < 20_000; i++)
        {
            if (i % 5_000 == 4_999)
            {
                segmenter.EndPublish();
                segmenter.BeginPublish();
            }
            dts += random.Next(10) switch
            {
                0 => random.Next(-20_000, 20_000), // jumps
                1 => 0,
                _ => random.Next(0, 50),
            };
            dts = Math.Max(0, dts);
            using var frame = new FrameLease(RandomFrame(random, dts));
            segmenter.Write(frame.Frame);
        }
        segmenter.EndPublish();
        foreach (var segment in segmenter.Window.Snapshot.Segments)
        {
            Assert.Equal(0, segment.Data.Length % 188);
            var rounded = (int)Math.Round(segment.Entry.Duration.TotalSeconds, MidpointRounding.AwayFromZero);
            Assert.True(rounded <= segmenter.Window.TargetDuration && segment.Entry.Duration <= segmenter.MaxDuration + TimeSpan.FromSeconds(0.5),
                $"segment {segment.Sequence}: {segment.Entry.Duration.TotalSeconds} s, {segment.Data.Length} bytes, of {segmenter.Window.Snapshot.Segments[^1].Sequence}; TARGETDURATION {segmenter.Window.TargetDuration}");
        }
        Assert.NotEmpty(segmenter.Window.Snapshot.Segments);
    }

    [Fact]
    public void Parsers_refuse_or_accept_random_bytes_without_throwing()
    {
        var random = new Random(7);
        var output = new System.Buffers.ArrayBufferWriter<byte>();
        for (var i = 0; i < 50_000; i++)
        {
            var bytes = new byte[random.Next(0, 64)];
            random.NextBytes(bytes);
            AvcDecoderConfiguration.TryParse(bytes, out var configuration);
            AudioSpecificConfig.TryParse(bytes, out _);
            if (bytes.Length > 0)
            {
                bytes[0] = 0x67;
            }
            AvcSequenceParameterSet.TryParse(bytes, out _);
            output.ResetWrittenCount();
            AnnexBWriter.TryWrite(bytes, configuration, output);
        }
    }

    private static MediaFrame RandomFrame(Random random, long dts)
    {
        var kind = random.Next(2) == 0 ? MediaKind.Video : MediaKind.Audio;
        var frameKind = random.Next(20) switch
        {
            0 => MediaFrameKind.SequenceHeader,
            1 => MediaFrameKind.EndOfSequence,
            _ => MediaFrameKind.Coded,
        };
        byte[] payload;
        if (frameKind == MediaFrameKind.SequenceHeader && random.Next(3) > 0)
        {
            payload = kind == MediaKind.Video ? SyntheticFrames.AvcRecord : [(byte)random.Next(256), (byte)random.Next(256)];
        }
        else if (kind == MediaKind.Video && frameKind == MediaFrameKind.Coded && random.Next(3) > 0)
        {
            var size = random.Next(1, 3_000);
            payload = new byte[4 + size];
            payload[2] = (byte)(size >> 8);
            payload[3] = (byte)size;
            payload[4] = random.Next(4) == 0 ? (byte)0x65 : (byte)0x41;
        }
        else
        {
            payload = new byte[random.Next(0, random.Next(10) == 0 ? 10_000 : 500)];
            random.NextBytes(payload);
        }
        return MediaFrame.Create(payload, kind, frameKind, dts, random.Next(-500, 500), random.Next(4) == 0,
            random.Next(10) == 0 ? VideoCodec.Hevc : VideoCodec.H264, random.Next(10) == 0 ? AudioCodec.Opus : AudioCodec.Aac);
    }

    private readonly struct FrameLease(MediaFrame frame) : IDisposable
    {
        public MediaFrame Frame { get; } = frame;

        public void Dispose() => Frame.Release();
    }
}
