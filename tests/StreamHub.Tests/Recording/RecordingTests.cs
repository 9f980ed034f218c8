using StreamHub.Recording;
using StreamHub.Tests.Infrastructure;

namespace StreamHub.Tests.Recording;

/// <summary>Recording with real clients: ffmpeg publishes, StreamHub writes fragmented MP4, and ffprobe and ffmpeg read
/// the file back.</summary>
public sealed class RecordingTests(RecordingHostFixture fixture) : IClassFixture<RecordingHostFixture>
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(90);

    /// <summary>20 s of media, read at four times real time (the recording's length is the media's, not the wall
    /// clock's, and the recorder's queue holds 15 s: faster than real time is a harder test of the queue, not easier).</summary>
    [Fact]
    public async Task A_20_s_publish_is_recorded_as_long_decodes_cleanly_and_has_every_frame()
    {
        var host = fixture.Host;
        var (name, key) = await host.CreateStreamAsync("rec");
        var ffmpeg = ExternalProcess.Require("ffmpeg", "ffmpeg");

        var publish = await ExternalProcess.RunAsync(ffmpeg,
        [
            "-hide_banner", "-nostdin", "-v", "error", "-stats", "-readrate", "4",
            "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25", "-f", "lavfi", "-i", "sine=frequency=440",
            "-t", "20", "-c:v", "libx264", "-preset", "veryfast", "-g", "50", "-bf", "2", "-c:a", "aac",
            "-f", "flv", $"rtmp://127.0.0.1:{host.RtmpPort}/live/{key}",
        ], Limit);
        Assert.True(publish.ExitCode == 0, publish.Output);
        var published = RecordingProbe.PublishedFrames(publish.StandardError);

        var (status, files) = await fixture.WaitForRecordingAsync(name);
        Assert.Equal(RecordingState.Idle, status.State);
        Assert.Equal(0, status.Gaps);
        var file = Assert.Single(files);
        Assert.Matches($"^{name}-\\d{{8}}-\\d{{6}}\\.mp4$", file.Name);

        var (duration, codecs) = await RecordingProbe.ProbeAsync(file.FullName);
        Assert.InRange(duration, 19.5, 20.5);
        Assert.Equal(["h264", "aac"], codecs);

        var decode = await RecordingProbe.DecodeAsync(file.FullName);
        Assert.True(decode.ExitCode == 0 && decode.Errors.Length == 0, $"exit {decode.ExitCode}: {decode.Errors}");
        Assert.Equal(500, published);
        Assert.Equal(published, decode.VideoFrames);
    }

    /// <summary>HEVC and AV1, from Debian 13's ffmpeg 7.1 over Enhanced RTMP, are recorded as they arrive (hvc1 and av01
    /// in the file), and Debian 12's ffmpeg decodes every frame.</summary>
    [Theory]
    [InlineData("hevc")]
    [InlineData("av1")]
    public async Task Hevc_and_av1_over_enhanced_rtmp_are_recorded_as_they_arrive(string codec)
    {
        var encoder = codec == "av1" ? TrixieFfmpeg.Av1Encoder : TrixieFfmpeg.HevcEncoder;
        var host = fixture.Host;
        var (name, key) = await host.CreateStreamAsync("rec-" + codec);

        var publish = await TrixieFfmpeg.RunAsync("ffmpeg",
        [
            "-hide_banner", "-nostdin", "-v", "error", "-stats",
            "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25", "-f", "lavfi", "-i", "sine=frequency=440",
            "-t", "4", .. encoder, "-g", "25", "-bf", "0",
            "-c:a", "aac", "-f", "flv", $"rtmp://127.0.0.1:{host.RtmpPort}/live/{key}",
        ], Limit);
        Assert.True(publish.ExitCode == 0, publish.Output);
        var published = RecordingProbe.PublishedFrames(publish.StandardError);

        var (_, files) = await fixture.WaitForRecordingAsync(name);
        var file = Assert.Single(files);
        var (duration, codecs) = await RecordingProbe.ProbeAsync(file.FullName);
        Assert.Equal([codec, "aac"], codecs);
        Assert.InRange(duration, 3.5, 4.5);
        var decode = await RecordingProbe.DecodeAsync(file.FullName);
        Assert.True(decode.ExitCode == 0 && decode.Errors.Length == 0, $"exit {decode.ExitCode}: {decode.Errors}");
        Assert.Equal(published, decode.VideoFrames);
    }
}
