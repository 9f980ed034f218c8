using StreamHub.Media;

namespace StreamHub.Tests.Rtmp.EndToEnd;

/// <summary>A second RTMP client implementation nobody here wrote: GStreamer's rtmp2sink.</summary>
public sealed class GStreamerPublishTests(RtmpHostFixture fixture) : IClassFixture<RtmpHostFixture>
{
    [Fact]
    public async Task Gstreamer_rtmp2sink_publishes_75_frames()
    {
        var gst = ExternalProcess.Require("gst-launch-1.0", "gstreamer1.0-tools and gstreamer1.0-plugins-bad");
        var key = await fixture.CreateStreamAsync("gst");
        var result = await ExternalProcess.RunAsync(gst,
        [
            "-q", "videotestsrc", "num-buffers=75", "!", "video/x-raw,framerate=25/1,width=320,height=240", "!",
            "x264enc", "speed-preset=ultrafast", "key-int-max=25", "!", "h264parse", "!",
            "flvmux", "streamable=true", "!", "rtmp2sink", $"location={fixture.PublishUrl(key)}",
        ], TimeSpan.FromSeconds(40));
        Assert.True(result.ExitCode == 0, result.Output);
        await fixture.Sink.WaitForEndAsync("gst", TimeSpan.FromSeconds(10));

        var frames = fixture.Sink.Frames("gst");
        var video = frames.Where(f => f.Kind == MediaKind.Video && f.FrameKind == MediaFrameKind.Coded).ToList();
        Assert.Single(frames, f => f.Kind == MediaKind.Video && f.FrameKind == MediaFrameKind.SequenceHeader);
        Assert.Equal(75, video.Count);
        Assert.All(video, f => Assert.Equal(VideoCodec.H264, f.VideoCodec));
        Assert.True(video[0].IsKeyframe);
        Assert.True(video.Zip(video.Skip(1)).All(p => p.Second.Dts > p.First.Dts), "DTS strictly increasing");
        Assert.All(video, f => Assert.True(f.Pts >= f.Dts, $"PTS {f.Pts} < DTS {f.Dts}"));
        Assert.Equal(74 * 40, video.Max(f => f.Pts) - video.Min(f => f.Pts));
    }
}
