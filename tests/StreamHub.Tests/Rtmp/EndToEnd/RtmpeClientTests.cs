using System.Text.Json;
using StreamHub.Tests.Infrastructure;

namespace StreamHub.Tests.Rtmp.EndToEnd;

/// <summary>RTMPE with the clients that speak it: librtmp, through GStreamer's rtmpsink (publishing) and rtmpsrc
/// (playing), and rtmpdump (playing); ffprobe decodes what the players wrote. On the RTMP port, sniffed on the HTTP
/// port, and tunnelled in HTTP (RTMPTE).</summary>
[Collection(RtmpeCollection.Name)]
public sealed class RtmpeClientTests(RtmpeServerFixture fixture)
{
    private const string Done = "RTMPE handshake done";
    private static readonly TimeSpan ClientLimit = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Librtmp_publishes_over_RTMPE_and_rtmpdump_and_rtmpsrc_play_it_back()
    {
        var port = fixture.Server.RtmpPort;
        var (name, key) = await fixture.CreateStreamAsync("rtmpe");
        var before = fixture.CountLines(Done);
        await using var publisher = StartPublisher($"rtmpe://127.0.0.1:{port}/live/{key}");
        await fixture.WaitUntilLiveAsync(name, publisher);

        var directory = Directory.CreateTempSubdirectory("rtmpe-play-").FullName;
        var dumped = Path.Combine(directory, "rtmpdump.flv");
        var sourced = Path.Combine(directory, "rtmpsrc.flv");
        var rtmpdump = ExternalProcess.RunAsync(ExternalProcess.Require("rtmpdump", "rtmpdump"),
            ["-q", "-r", $"rtmpe://127.0.0.1:{port}/live/{name}", "--live", "-o", dumped], ClientLimit);
        var rtmpsrc = ExternalProcess.RunAsync(ExternalProcess.Require("gst-launch-1.0", "gstreamer1.0-plugins-bad"),
            ["-q", "rtmpsrc", $"location=rtmpe://127.0.0.1:{port}/live/{name} live=1", "!", "filesink", $"location={sourced}"], ClientLimit);

        var dump = await rtmpdump;
        var source = await rtmpsrc;
        Assert.True(dump.ExitCode is 0 or 2, $"rtmpdump exited {dump.ExitCode}:\n{dump.Output}"); // 2: incomplete (a live stream that ended)
        Assert.True(source.ExitCode == 0, $"rtmpsrc exited {source.ExitCode}:\n{source.Output}");
        await AssertDecodesAsync(dumped, minimumVideoFrames: 40);
        await AssertDecodesAsync(sourced, minimumVideoFrames: 40);
        // The publisher and both players, each through its own RTMPE handshake; the players' lines name it.
        Assert.True(fixture.CountLines(Done) >= before + 3, fixture.Server.Output);
        Assert.Equal(2, fixture.CountLines($"joined stream {name} over Rtmp (rtmpe)"));
    }

    [Fact]
    public async Task Librtmp_publishes_over_RTMPTE_and_plays_over_RTMPTE_and_over_RTMPE_sniffed_on_the_HTTP_port()
    {
        var http = fixture.Server.HttpPort;
        var (name, key) = await fixture.CreateStreamAsync("rtmpte");
        var tunnelled = fixture.CountLines("(Digest1): RC4", "rtmpt-");
        await using var publisher = StartPublisher($"rtmpte://127.0.0.1:{http}/live/{key}");
        await fixture.WaitUntilLiveAsync(name, publisher);

        var directory = Directory.CreateTempSubdirectory("rtmpte-play-").FullName;
        var dumped = Path.Combine(directory, "rtmpdump.flv");
        var sourced = Path.Combine(directory, "rtmpsrc.flv");
        var rtmpdump = ExternalProcess.RunAsync(ExternalProcess.Require("rtmpdump", "rtmpdump"),
            ["-q", "-r", $"rtmpte://127.0.0.1:{http}/live/{name}", "--live", "-o", dumped], ClientLimit);
        var rtmpsrc = ExternalProcess.RunAsync(ExternalProcess.Require("gst-launch-1.0", "gstreamer1.0-plugins-bad"),
            ["-q", "rtmpsrc", $"location=rtmpe://127.0.0.1:{http}/live/{name} live=1", "!", "filesink", $"location={sourced}"], ClientLimit);

        var dump = await rtmpdump;
        var source = await rtmpsrc;
        Assert.True(dump.ExitCode is 0 or 2, $"rtmpdump exited {dump.ExitCode}:\n{dump.Output}");
        Assert.True(source.ExitCode == 0, $"rtmpsrc exited {source.ExitCode}:\n{source.Output}");
        await AssertDecodesAsync(dumped, minimumVideoFrames: 40);
        await AssertDecodesAsync(sourced, minimumVideoFrames: 40);
        // The publisher and rtmpdump came through the tunnel, each with an RTMPE handshake inside it.
        Assert.True(fixture.CountLines("(Digest1): RC4", "rtmpt-") >= tunnelled + 2, fixture.Server.Output);
        Assert.Equal(1, fixture.CountLines($"joined stream {name} over Rtmp (rtmpte)"));
        Assert.Equal(1, fixture.CountLines($"joined stream {name} over Rtmp (rtmpe)"));
    }

    /// <summary>librtmp (rtmpsink) publishing 6 s of live 320x240 H.264 at 25 fps and AAC.</summary>
    private static BackgroundProcess StartPublisher(string url) =>
        BackgroundProcess.Start("rtmpsink " + url.Split("://")[0], ExternalProcess.Require("gst-launch-1.0", "gstreamer1.0-plugins-bad"),
        [
            "-q", "flvmux", "name=mux", "streamable=true", "!", "rtmpsink", $"location={url} live=1",
            "videotestsrc", "is-live=true", "num-buffers=150", "!", "video/x-raw,framerate=25/1,width=320,height=240", "!",
            "x264enc", "speed-preset=ultrafast", "tune=zerolatency", "key-int-max=25", "bframes=0", "!", "h264parse", "!", "queue", "!", "mux.",
            "audiotestsrc", "is-live=true", "num-buffers=130", "samplesperbuffer=2205", "!", "audio/x-raw,rate=44100,channels=2", "!",
            "avenc_aac", "!", "aacparse", "!", "queue", "!", "mux.",
        ]);

    /// <summary>ffprobe decodes every frame of <paramref name="file"/>: H.264 video (at least
    /// <paramref name="minimumVideoFrames"/>) and AAC audio.</summary>
    private static async Task AssertDecodesAsync(string file, int minimumVideoFrames)
    {
        var result = await ExternalProcess.RunAsync(ExternalProcess.Require("ffprobe", "ffmpeg"),
            ["-v", "error", "-count_frames", "-show_entries", "stream=codec_name,nb_read_frames", "-of", "json", file], ClientLimit);
        Assert.True(result.ExitCode == 0, $"ffprobe {file} exited {result.ExitCode}:\n{result.Output}");
        using var json = JsonDocument.Parse(result.StandardOutput);
        var streams = json.RootElement.GetProperty("streams").EnumerateArray()
            .ToDictionary(s => s.GetProperty("codec_name").GetString()!, s => int.Parse(s.GetProperty("nb_read_frames").GetString()!));
        Assert.True(streams.TryGetValue("h264", out var video) && video >= minimumVideoFrames, $"{file}: {result.StandardOutput}");
        Assert.True(streams.TryGetValue("aac", out var audio) && audio > 0, $"{file}: {result.StandardOutput}");
    }
}
