using StreamHub.Live;
using StreamHub.Media;
using StreamHub.Rtmp.Commands;
using StreamHub.Tests.Infrastructure;

namespace StreamHub.Tests.Rtmp.Session;

/// <summary>A sink with a bug (it throws) does not take the publisher down, nor the sinks beside it.</summary>
public sealed class ThrowingSinkTests
{
    [Fact]
    public async Task A_sink_that_throws_leaves_the_publisher_and_the_other_sinks_going()
    {
        var recording = new RecordingMediaSink();
        var registry = new LiveStreamRegistry([new ThrowingSink(), recording], TimeProvider.System);
        await using var h = new SessionHarness(registry: registry, sink: recording);
        await h.Client.HandshakeAsync();
        var (code, streamId) = await h.Client.PublishAsync("key-cam1");
        Assert.Equal(RtmpStatusCodes.PublishStart, code);

        for (var i = 0; i < 3; i++)
        {
            await h.Client.SendAvcAsync(streamId, (uint)(i * 40), i == 0, 1, 0, new byte[100]);
        }
        await RecordingMediaSink.WaitUntilAsync(() => recording.Frames("cam1").Count == 3, TimeSpan.FromSeconds(10), "three frames beside the throwing sink");
        Assert.False(h.Run.IsCompleted, "the publisher's session ended");
        Assert.NotNull(h.Registry.Find("cam1"));
        Assert.Equal(3, h.Registry.Find("cam1")!.VideoFrames);
    }

    private sealed class ThrowingSink : IMediaSink
    {
        public void OnPublishStarted(LiveStream stream)
        {
        }

        public void OnFrame(LiveStream stream, MediaFrame frame) => throw new InvalidOperationException("sink bug");

        public void OnPublishEnded(LiveStream stream)
        {
        }
    }
}
