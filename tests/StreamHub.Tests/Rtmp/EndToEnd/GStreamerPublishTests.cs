using StreamHub.Media;

using StreamHub.Tests.Infrastructure;

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

    /// <summary>rtmpsink is librtmp underneath: the same RTMP client code OBS bundles.</summary>
    [Fact]
    public async Task Gstreamer_rtmpsink_librtmp_publishes_video_and_audio()
    {
        var gst = ExternalProcess.Require("gst-launch-1.0", "gstreamer1.0-tools, gstreamer1.0-plugins-bad and gstreamer1.0-libav");
        var key = await fixture.CreateStreamAsync("gst-librtmp");
        var result = await ExternalProcess.RunAsync(gst,
        [
            "-q", "flvmux", "name=mux", "streamable=true", "!", "rtmpsink", $"location={fixture.PublishUrl(key)} live=1",
            "videotestsrc", "num-buffers=50", "!", "video/x-raw,framerate=25/1,width=320,height=240", "!",
            "x264enc", "speed-preset=ultrafast", "key-int-max=25", "bframes=0", "!", "h264parse", "!", "queue", "!", "mux.",
            "audiotestsrc", "num-buffers=40", "samplesperbuffer=2205", "!", "audio/x-raw,rate=44100,channels=2", "!",
            "avenc_aac", "!", "aacparse", "!", "queue", "!", "mux.",
        ], TimeSpan.FromSeconds(40));
        Assert.True(result.ExitCode == 0, result.Output);
        await fixture.Sink.WaitForEndAsync("gst-librtmp", TimeSpan.FromSeconds(10));

        var frames = fixture.Sink.Frames("gst-librtmp");
        var video = frames.Where(f => f.Kind == MediaKind.Video && f.FrameKind == MediaFrameKind.Coded).ToList();
        var audio = frames.Where(f => f.Kind == MediaKind.Audio && f.FrameKind == MediaFrameKind.Coded).ToList();
        Assert.Equal(50, video.Count);
        Assert.True(video.Zip(video.Skip(1)).All(p => p.Second.Dts > p.First.Dts), "video DTS strictly increasing");
        Assert.Single(frames, f => f.Kind == MediaKind.Audio && f.FrameKind == MediaFrameKind.SequenceHeader);
        Assert.InRange(audio.Count, 80, 90); // 2 s of 44.1 kHz AAC = 86 frames
        Assert.All(audio, f => Assert.Equal(AudioCodec.Aac, f.AudioCodec));
    }

    /// <summary>A publish URL pasted with a different case and a slash after the key, through both GStreamer RTMP
    /// clients: librtmp (rtmpsink) and GStreamer's own (rtmp2sink).</summary>
    [Theory]
    [InlineData("rtmpsink", "gst-slash-librtmp")]
    [InlineData("rtmp2sink", "gst-slash-rtmp2")]
    public async Task Gstreamer_publishes_to_a_url_with_a_capitalised_application_and_a_trailing_slash(string sink, string name)
    {
        var gst = ExternalProcess.Require("gst-launch-1.0", "gstreamer1.0-tools and gstreamer1.0-plugins-bad");
        var key = await fixture.CreateStreamAsync(name);
        var url = $"rtmp://127.0.0.1:{fixture.Host.RtmpPort}/Live/{key}/";
        var result = await ExternalProcess.RunAsync(gst,
        [
            "-q", "videotestsrc", "num-buffers=50", "!", "video/x-raw,framerate=25/1,width=320,height=240", "!",
            "x264enc", "speed-preset=ultrafast", "key-int-max=25", "!", "h264parse", "!",
            "flvmux", "streamable=true", "!", sink, sink == "rtmpsink" ? $"location={url} live=1" : $"location={url}",
        ], TimeSpan.FromSeconds(40));
        Assert.True(result.ExitCode == 0, result.Output);
        await fixture.Sink.WaitForEndAsync(name, TimeSpan.FromSeconds(10));
        Assert.Equal(50, fixture.Sink.Frames(name).Count(f => f.Kind == MediaKind.Video && f.FrameKind == MediaFrameKind.Coded));
    }
}
