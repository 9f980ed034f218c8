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
        AssertNoErrors(result);
        // 5 s at 30 fps is 150 frames; -t counts from the first timestamp, which may be a little before the first picture.
        Assert.InRange(DecodedFrames(result), 130, 155);
    }

    [Fact]
    public async Task Every_played_packet_carries_the_publishers_timestamps_composition_offset_and_size()
    {
        var played = await ProbedPacket.ProbeAsync(fixture.PlayUrl(), packets: 250);
        // The publisher's file lags what it sent by its write buffer: wait (bounded) until it holds what was played.
        var playedUntil = played.Max(p => p.Dts);
        ILookup<(string Kind, long Dts), ProbedPacket> published;
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while ((published = (await ProbedPacket.ProbeAsync(fixture.PublishedFile)).ToLookup(p => (p.Kind, p.Dts))).Max(g => g.Key.Dts) < playedUntil + 300
            && DateTime.UtcNow < deadline)
        {
            await Task.Delay(250);
        }

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
        // The file is still being written: its last tags may be cut short. Compare what is well inside it.
        var complete = published.Max(g => g.Key.Dts) - 200;
        foreach (var packet in played.Where(p => p.Dts <= complete))
        {
            var match = Assert.Single(published[(packet.Kind, packet.Dts)]);
            Assert.Equal(match, packet);
            compared++;
        }
        Assert.True(compared == played.Count, $"only {compared} of {played.Count} packets were in the publisher's file");
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

    /// <summary>ffmpeg decodes <paramref name="seconds"/> of <paramref name="url"/> to nothing, printing its log
    /// with levels (on stderr) and its progress (on stdout).</summary>
    /// <remarks>The decoded video keeps the stream's millisecond time base (<c>-enc_time_base:v 1:1000</c>), so the
    /// null muxer's check that timestamps strictly increase holds the decoded pictures to the millisecond. With
    /// ffmpeg's default (1/30 s for 30 fps) the 33/34 ms steps are rounded to ticks, and a stream whose first timestamp
    /// (its first audio frame, 17 ms after the keyframe, say) puts the pictures half a tick off rounds two of them to
    /// one tick: "non monotonically increasing dts to muxer" every third frame, from ffmpeg's re-timing of input whose
    /// packets are the publisher's own (see the packet test below); at 1/1000 the same play reports nothing.</remarks>
    internal static Task<ExternalProcess.Result> PlayAsync(string url, int seconds)
    {
        var ffmpeg = ExternalProcess.Require("ffmpeg", "ffmpeg");
        return ExternalProcess.RunAsync(ffmpeg,
            ["-hide_banner", "-loglevel", "level+info", "-nostdin", "-i", url, "-t", seconds.ToString(), "-enc_time_base:v", "1:1000",
                "-progress", "pipe:1", "-f", "null", "-"],
            PlaybackServerFixture.ClientLimit);
    }

    /// <summary>No line of ffmpeg's log at error level or worse (decode errors, timestamps its muxer refused); the
    /// failure shows the streams it found.</summary>
    internal static void AssertNoErrors(ExternalProcess.Result result, string? context = null)
    {
        var lines = result.StandardError.Split('\n');
        var errors = lines.Where(l => l.Contains("[error]", StringComparison.Ordinal) || l.Contains("[fatal]", StringComparison.Ordinal)).ToList();
        Assert.True(errors.Count == 0, $"ffmpeg reported {errors.Count} errors:\n{string.Join('\n', errors.Take(10))}\n" +
            $"{string.Join('\n', lines.Where(l => l.Contains("Stream #", StringComparison.Ordinal) || l.Contains("Input #", StringComparison.Ordinal)))}\n{context}");
    }

    /// <summary>The last <c>frame=</c> of ffmpeg's -progress output: video frames decoded.</summary>
    internal static int DecodedFrames(ExternalProcess.Result result) =>
        result.StandardOutput.Split('\n').Where(l => l.StartsWith("frame=", StringComparison.Ordinal)).Select(l => int.Parse(l[6..])).LastOrDefault();
}
