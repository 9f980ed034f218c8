using StreamHub.Live;
using StreamHub.Media;
using StreamHub.Tests.Infrastructure;

namespace StreamHub.Tests.Live;

/// <summary>Enhanced RTMP multitrack: the default track (0) alone reaches the sinks, the subscribers, the sequence
/// headers and the figures; the other tracks are counted, said once in the log, and never mixed in.</summary>
public sealed class LiveStreamMultitrackTests
{
    private static readonly byte[] AvcHeader0 = [0x01, 0x64, 0x00, 0x1F, 0xFF];
    private static readonly byte[] HevcHeader1 = [0x01, 0x22, 0x33];
    private static readonly byte[] AacHeader0 = [0x12, 0x10];
    private static readonly byte[] OpusHeader1 = [0x4F, 0x70];

    [Fact]
    public void Only_track_0_reaches_sinks_subscribers_headers_and_figures_and_the_log_says_so_once()
    {
        var logger = new ListLogger<LiveStream>();
        var sink = new RecordingMediaSink();
        var registry = new LiveStreamRegistry([sink], TimeProvider.System, logger: logger);
        Assert.True(registry.TryBeginPublish("multi", new PublisherInfo("c1", "127.0.0.1:1", "enc"), out var stream));
        using var early = stream.Subscribe(new SubscriptionOptions("early"));

        // Track 1's headers come after track 0's, so a mixed stream would end with track 1's in the header slots.
        Write(stream, AvcHeader0, MediaKind.Video, MediaFrameKind.SequenceHeader, 0, 0, video: VideoCodec.H264);
        Write(stream, AacHeader0, MediaKind.Audio, MediaFrameKind.SequenceHeader, 0, 0, audio: AudioCodec.Aac);
        Write(stream, HevcHeader1, MediaKind.Video, MediaFrameKind.SequenceHeader, 0, 1, video: VideoCodec.Hevc);
        Write(stream, OpusHeader1, MediaKind.Audio, MediaFrameKind.SequenceHeader, 0, 1, audio: AudioCodec.Opus);
        for (var i = 0; i < 3; i++)
        {
            Write(stream, [0xA0, (byte)i], MediaKind.Video, MediaFrameKind.Coded, i * 40, 0, key: i == 0, video: VideoCodec.H264);
            Write(stream, [0xB1, (byte)i, 0, 0], MediaKind.Video, MediaFrameKind.Coded, i * 40 + 7_000, 1, key: true, video: VideoCodec.Hevc);
            Write(stream, [0xC0, (byte)i], MediaKind.Audio, MediaFrameKind.Coded, i * 40 + 1, 0, audio: AudioCodec.Aac);
            Write(stream, [0xD1, (byte)i, 0], MediaKind.Audio, MediaFrameKind.Coded, i * 40 + 2, 1, audio: AudioCodec.Opus);
        }
        using var late = stream.Subscribe(new SubscriptionOptions("late"));
        Write(stream, [0xC0, 9], MediaKind.Audio, MediaFrameKind.Coded, 200, 0, audio: AudioCodec.Aac);

        var delivered = sink.Frames("multi");
        Assert.Equal(9, delivered.Count);
        Assert.All(delivered, f => Assert.Equal(0, f.TrackId));
        Assert.DoesNotContain(delivered, f => f.VideoCodec == VideoCodec.Hevc || f.AudioCodec == AudioCodec.Opus);

        Assert.Equal(AvcHeader0, stream.VideoSequenceHeader!.Payload.ToArray());
        Assert.Equal(AacHeader0, stream.AudioSequenceHeader!.Payload.ToArray());
        Assert.Equal("H264", stream.Video!.Codec);
        Assert.Equal("Aac", stream.Audio!.Codec);
        Assert.Equal(3, stream.VideoFrames);
        Assert.Equal(4, stream.AudioFrames);
        Assert.Equal(0, stream.TimestampAnomalies);
        Assert.Equal(AvcHeader0.Length + AacHeader0.Length + 3 * 2 + 4 * 2, stream.BytesReceived);
        Assert.Equal(2 + 3 * 2, stream.IgnoredTrackFrames);
        Assert.Equal(8, LiveStreamStats.From(stream).IgnoredTrackFrames);

        var earlyItems = Drain(early);
        Assert.Equal(9, earlyItems.Count);
        Assert.All(earlyItems, f => Assert.Equal(0, f.TrackId));
        Assert.Equal(AvcHeader0, earlyItems[0].Payload);
        // A late joiner is primed with track 0's headers, not the last ones the encoder sent.
        var lateItems = Drain(late);
        Assert.Equal(AvcHeader0, lateItems[0].Payload);
        Assert.Equal(AacHeader0, lateItems[1].Payload);
        Assert.All(lateItems, f => Assert.Equal(0, f.TrackId));

        var line = Assert.Single(logger.Lines, l => l.Contains("multitrack", StringComparison.Ordinal));
        Assert.StartsWith("Warning", line);
        Assert.Contains("Stream multi", line);
        Assert.Contains("only the default track (0)", line);
        Assert.Contains("Video track 1", line);
        registry.EndPublish(stream);
    }

    [Fact]
    public void Tracks_left_out_by_the_tag_reader_are_counted_and_said_once_per_publish()
    {
        var logger = new ListLogger<LiveStream>();
        var registry = new LiveStreamRegistry([], TimeProvider.System, logger: logger);
        for (var publish = 0; publish < 2; publish++)
        {
            Assert.True(registry.TryBeginPublish("left", new PublisherInfo("c1", "127.0.0.1:1", "enc"), out var stream));
            stream.IgnoreTrack(MediaKind.Audio, 3);
            stream.IgnoreTrack(MediaKind.Video, 2);
            Assert.Equal(2, stream.IgnoredTrackFrames);
            Assert.Equal(0, stream.AudioFrames + stream.VideoFrames);
            registry.EndPublish(stream);
        }

        var lines = logger.Lines.Where(l => l.Contains("multitrack", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, lines.Count);
        Assert.All(lines, l => Assert.Contains("Audio track 3", l));
    }

    private static void Write(LiveStream stream, byte[] payload, MediaKind kind, MediaFrameKind frameKind, long dts, byte track,
        bool key = false, VideoCodec video = VideoCodec.None, AudioCodec audio = AudioCodec.None)
    {
        var frame = MediaFrame.Create(payload, kind, frameKind, dts, isKeyframe: key, videoCodec: video, audioCodec: audio, trackId: track);
        stream.Write(frame);
        frame.Release();
    }

    private static List<(byte TrackId, byte[] Payload)> Drain(LiveSubscription subscription)
    {
        var items = new List<(byte, byte[])>();
        while (subscription.TryRead(out var item))
        {
            if (item.Frame is { } frame)
            {
                items.Add((frame.TrackId, frame.Payload.ToArray()));
                frame.Release();
            }
        }
        return items;
    }
}
