using StreamHub.Live;
using StreamHub.Media;
using StreamHub.Tests.Infrastructure;

namespace StreamHub.Tests.Live;

/// <summary>The fan-out keeps a failing sink's bug to itself: one error line naming the sink and the stream, no more
/// frames to that sink, every frame to the others, and the end of the publish to all.</summary>
public sealed class LiveStreamSinkFailureTests
{
    [Fact]
    public void A_sink_that_throws_is_logged_once_with_its_name_and_the_stream_and_skipped_after()
    {
        var logger = new ListLogger<LiveStream>();
        var failing = new FailingSink();
        var recording = new RecordingMediaSink();
        var registry = new LiveStreamRegistry([failing, recording], TimeProvider.System, logger: logger);
        Assert.True(registry.TryBeginPublish("fanout", new PublisherInfo("c1", "127.0.0.1:1", "enc"), out var stream));

        for (var i = 0; i < 5; i++)
        {
            var frame = MediaFrame.Create(new byte[10], MediaKind.Video, MediaFrameKind.Coded, i * 40, isKeyframe: i == 0, videoCodec: VideoCodec.H264);
            stream.Write(frame);
            frame.Release();
        }
        registry.EndPublish(stream);

        Assert.Equal(1, failing.Frames);
        Assert.Equal(5, recording.Frames("fanout").Count);
        Assert.True(failing.Ended);
        var error = Assert.Single(logger.Lines, line => line.StartsWith("Error", StringComparison.Ordinal));
        Assert.Contains(nameof(FailingSink), error);
        Assert.Contains("fanout", error);
    }

    private sealed class FailingSink : IMediaSink
    {
        public int Frames;
        public bool Ended;

        public void OnPublishStarted(LiveStream stream)
        {
        }

        public void OnFrame(LiveStream stream, MediaFrame frame)
        {
            Frames++;
            throw new InvalidOperationException("sink bug");
        }

        public void OnPublishEnded(LiveStream stream) => Ended = true;
    }
}
