using System.Buffers;
using StreamHub.Live;
using StreamHub.Media;
using StreamHub.Playback.HttpFlv;
using StreamHub.Tests.Hls.Support;

namespace StreamHub.Tests.Playback.HttpFlv;

public sealed class LiveFlvWriterTests
{
    private static readonly Dictionary<string, object?> Metadata = new() { ["width"] = 320.0, ["encoder"] = "test" };

    [Fact]
    public async Task Tags_keep_the_stream_time_and_a_tag_that_would_go_back_is_written_at_the_last_time()
    {
        var output = new ArrayBufferWriter<byte>();
        var writer = new LiveFlvWriter();
        var written = LiveFlvWriter.WriteHeader(output, hasAudio: true, hasVideo: true);
        LiveItem[] items =
        [
            new(Metadata),
            new(SyntheticFrames.VideoConfig(dts: 0)),
            new(SyntheticFrames.AudioConfig(dts: 0)),
            new(SyntheticFrames.Video(5_000, idr: true, compositionOffset: 66)),
            new(SyntheticFrames.Audio(4_990)), // interleaving a few ms out of order
            new(SyntheticFrames.Video(5_033, idr: false, compositionOffset: 33)),
            new(SyntheticFrames.VideoConfig(dts: 0)), // re-sent after a drop, with its old time
            new(Metadata),
            new(SyntheticFrames.Audio(5_050)),
        ];
        foreach (var item in items)
        {
            written += writer.Write(output, item);
        }

        Assert.Equal(output.WrittenCount, written);
        var reader = new FlvStreamReader(new MemoryStream(output.WrittenSpan.ToArray()));
        Assert.Equal(0x05, await reader.ReadHeaderAsync(CancellationToken.None));
        var tags = new List<FlvTag>();
        for (var i = 0; i < items.Length; i++)
        {
            tags.Add(await reader.ReadTagAsync(CancellationToken.None));
        }
        Assert.Equal(new byte[] { 18, 9, 8, 9, 8, 9, 9, 18, 8 }, tags.Select(t => t.Type));
        Assert.Equal(new long[] { 0, 0, 0, 5_000, 5_000, 5_033, 5_033, 5_033, 5_050 }, tags.Select(t => t.Timestamp));
        Assert.True(tags[3].IsVideoKeyframe);
        Assert.Equal(66, tags[3].Body[4]); // the composition offset (SI24) is the frame's, not shifted
        Assert.True(tags[6].IsSequenceHeader);
        Assert.Equal(5_050, writer.LastTimestamp);
    }

    [Fact]
    public void Frames_flv_cannot_carry_are_skipped_and_every_frame_is_released_written_or_not()
    {
        var output = new ArrayBufferWriter<byte>();
        var writer = new LiveFlvWriter();
        var otherTrack = MediaFrame.Create(new byte[100], MediaKind.Video, MediaFrameKind.Coded, 0, isKeyframe: true, videoCodec: VideoCodec.H264, trackId: 1);
        var unknownCodec = MediaFrame.Create(new byte[100], MediaKind.Audio, MediaFrameKind.Coded, 0, audioCodec: AudioCodec.Unknown);
        var audio = SyntheticFrames.Audio(10, size: 100);

        Assert.Equal(0, writer.Write(output, new LiveItem(otherTrack)));
        Assert.Equal(0, writer.Write(output, new LiveItem(unknownCodec)));
        Assert.Equal(0, output.WrittenCount);
        Assert.Equal(11 + 2 + 100 + 4, writer.Write(output, new LiveItem(audio)));

        // The last release hands the payload back to the pool: the frame is then empty.
        Assert.All(new[] { otherTrack, unknownCodec, audio }, frame => Assert.Equal(0, frame.Payload.Length));
        Assert.Throws<InvalidOperationException>(() => audio.Release());
    }

    [Fact]
    public void Writing_a_frame_allocates_nothing()
    {
        var output = new ArrayBufferWriter<byte>(1024 * 1024);
        var writer = new LiveFlvWriter();
        var video = SyntheticFrames.Video(0, idr: true, size: 4_000);
        var audio = SyntheticFrames.Audio(0);
        void Run(int count)
        {
            for (var i = 0; i < count; i++)
            {
                output.ResetWrittenCount();
                writer.Write(output, new LiveItem(video.Retain()));
                writer.Write(output, new LiveItem(audio.Retain()));
            }
        }

        Run(100);
        var before = GC.GetAllocatedBytesForCurrentThread();
        Run(1_000);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
        Assert.Equal(11 + 5 + 4_004 + 4 + 11 + 2 + 200 + 4, output.WrittenCount); // the last pair: both tags were written
        video.Release();
        audio.Release();
    }

    [Fact]
    public void The_header_flags_come_from_the_stream_sequence_headers_and_default_to_both()
    {
        var stream = new LiveStream("flags", new PublisherInfo("test", "127.0.0.1:1", null), DateTimeOffset.UtcNow, []);
        Assert.Equal((true, true), LiveFlvWriter.TracksOf(stream));

        TestPublisher.Write(stream, [SyntheticFrames.AudioConfig()]);
        Assert.Equal((true, false), LiveFlvWriter.TracksOf(stream));

        TestPublisher.Write(stream, [SyntheticFrames.VideoConfig()]);
        Assert.Equal((true, true), LiveFlvWriter.TracksOf(stream));
        stream.End();
    }
}
