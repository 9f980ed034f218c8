using System.Text.Json;
using StreamHub.Tests.Infrastructure;

namespace StreamHub.Tests.Rtmp.Playback;

/// <summary>ffmpeg and ffprobe play the fixture's live stream (30 fps, B-frames, AAC) over RTMP on the RTMP port.</summary>
[Collection(PlaybackCollection.Name)]
public sealed class FfmpegPlayTests(PlaybackServerFixture fixture)
{
    [Fact]
    public async Task Ffmpeg_decodes_five_seconds_of_the_live_stream_without_an_error()
    {
        var result = await PlayAsync(fixture.PlayUrl(), seconds: 5);

        Assert.True(result.ExitCode == 0, $"ffmpeg exited {result.ExitCode}:\n{result.StandardError}");
        Assert.True(string.IsNullOrWhiteSpace(result.StandardError), $"ffmpeg reported errors:\n{result.StandardError}");
        // 5 s at 30 fps is 150 frames; -t counts from the first timestamp, which may be a little before the first picture.
        Assert.InRange(DecodedFrames(result), 130, 155);
    }

    [Fact]
    public async Task Every_played_packet_carries_the_publishers_timestamps_composition_offset_and_size()
    {
        var played = await ProbedPacket.ProbeAsync(fixture.PlayUrl(), packets: 250);
        await Task.Delay(500); // the publisher's file lags what it sent by its write buffer
        var published = (await ProbedPacket.ProbeAsync(fixture.PublishedFile)).ToLookup(p => (p.Kind, p.Dts));

        var video = played.Where(p => p.Kind == "video").ToList();
        var audio = played.Where(p => p.Kind == "audio").ToList();
        Assert.InRange(video.Count, 80, 200);
        Assert.InRange(audio.Count, 80, 200);
        Assert.True(video[0].Keyframe, "the first video packet is not a keyframe");
        // Publisher DTS, absolute: the stream has been live for a while, so the clock is well past zero.
        Assert.True(video[0].Dts > 500, $"first video DTS {video[0].Dts}");
        Assert.All(video.Zip(video.Skip(1)), p => Assert.InRange(p.Second.Dts - p.First.Dts, 33, 34));
        Assert.All(audio.Zip(audio.Skip(1)), p => Assert.InRange(p.Second.Dts - p.First.Dts, 23, 24));
        Assert.All(played, p => Assert.True(p.Pts >= p.Dts, $"{p.Kind} PTS {p.Pts} < DTS {p.Dts}"));
        Assert.Contains(video, p => p.Pts > p.Dts); // B-frames: composition offsets travel
        Assert.InRange(audio[0].Dts - video[0].Dts, -100, 100);

        // The same packets as the publisher wrote to its file: same PTS (so the same composition offset), same size.
        var compared = 0;
        foreach (var packet in played.Where(p => p.Dts <= published.Max(g => g.Key.Dts)))
        {
            var match = Assert.Single(published[(packet.Kind, packet.Dts)]);
            Assert.Equal(match, packet);
            compared++;
        }
        Assert.True(compared > played.Count / 2, $"only {compared} of {played.Count} packets were in the publisher's file yet");
    }

    [Fact]
    public async Task Ffprobe_reads_the_codecs_and_the_picture_size()
    {
        var ffprobe = ExternalProcess.Require("ffprobe", "ffmpeg");
        var result = await ExternalProcess.RunAsync(ffprobe, ["-v", "error", "-show_streams", "-of", "json", fixture.PlayUrl()],
            PlaybackServerFixture.ClientLimit);

        Assert.True(result.ExitCode == 0, result.StandardError);
        using var json = JsonDocument.Parse(result.StandardOutput);
        var streams = json.RootElement.GetProperty("streams").EnumerateArray().ToList();
        var video = Assert.Single(streams, s => s.GetProperty("codec_type").GetString() == "video");
        var audio = Assert.Single(streams, s => s.GetProperty("codec_type").GetString() == "audio");
        Assert.Equal("h264", video.GetProperty("codec_name").GetString());
        Assert.Equal(320, video.GetProperty("width").GetInt32());
        Assert.Equal(240, video.GetProperty("height").GetInt32());
        Assert.Equal("aac", audio.GetProperty("codec_name").GetString());
        Assert.Equal("44100", audio.GetProperty("sample_rate").GetString());
    }

    /// <summary>ffmpeg decodes <paramref name="seconds"/> of <paramref name="url"/> to nothing, printing only errors
    /// (on stderr) and its progress (on stdout).</summary>
    internal static Task<ExternalProcess.Result> PlayAsync(string url, int seconds)
    {
        var ffmpeg = ExternalProcess.Require("ffmpeg", "ffmpeg");
        return ExternalProcess.RunAsync(ffmpeg,
            ["-hide_banner", "-v", "error", "-nostdin", "-i", url, "-t", seconds.ToString(), "-progress", "pipe:1", "-f", "null", "-"],
            PlaybackServerFixture.ClientLimit);
    }

    /// <summary>The last <c>frame=</c> of ffmpeg's -progress output: video frames decoded.</summary>
    internal static int DecodedFrames(ExternalProcess.Result result) =>
        result.StandardOutput.Split('\n').Where(l => l.StartsWith("frame=", StringComparison.Ordinal)).Select(l => int.Parse(l[6..])).LastOrDefault();
}
