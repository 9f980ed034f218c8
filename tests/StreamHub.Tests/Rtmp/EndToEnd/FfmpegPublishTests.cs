using StreamHub.Media;
using StreamHub.Tests.Infrastructure;

namespace StreamHub.Tests.Rtmp.EndToEnd;

/// <summary>FFmpeg publishing to the real server over a real socket.</summary>
public sealed class FfmpegPublishTests(RtmpHostFixture fixture) : IClassFixture<RtmpHostFixture>
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(40);

    [Fact]
    public async Task Ffmpeg_publish_delivers_every_frame_with_correct_timestamps()
    {
        var key = await fixture.CreateStreamAsync("ff-plain");
        var result = await PublishAsync(key, []);
        Assert.True(result.ExitCode == 0, result.Output);
        await fixture.Sink.WaitForEndAsync("ff-plain", TimeSpan.FromSeconds(10));

        var frames = fixture.Sink.Frames("ff-plain");
        var video = frames.Where(f => f.Kind == MediaKind.Video && f.FrameKind == MediaFrameKind.Coded).ToList();
        var audio = frames.Where(f => f.Kind == MediaKind.Audio && f.FrameKind == MediaFrameKind.Coded).ToList();
        Assert.Single(frames, f => f.Kind == MediaKind.Video && f.FrameKind == MediaFrameKind.SequenceHeader);
        Assert.Single(frames, f => f.Kind == MediaKind.Audio && f.FrameKind == MediaFrameKind.SequenceHeader);
        Assert.Equal(75, video.Count);
        Assert.All(video, f => Assert.Equal(VideoCodec.H264, f.VideoCodec));
        // 25 fps with no B-frames: DTS = start + 40 ms × n, PTS = DTS. FFmpeg starts video at 23 ms: it shifts every
        // stream by the AAC encoder's 1024-sample priming (ffprobe on the same command's .flv shows 23, 63, 103...).
        var start = video[0].Dts;
        Assert.InRange(start, 0, 50);
        Assert.Equal(Enumerable.Range(0, 75).Select(i => start + i * 40L), video.Select(f => f.Dts));
        Assert.All(video, f => Assert.Equal(f.Dts, f.Pts));
        // -g 25: a keyframe every second.
        Assert.Equal([start, start + 1000, start + 2000], video.Where(f => f.IsKeyframe).Select(f => f.Dts));
        Assert.True(video[0].Payload.Length > 4 && video[0].Payload[4] != 0, "first frame holds length-prefixed NAL units");

        // AAC at 44.1 kHz: 1024 samples a frame, ~23.2 ms apart, for 3 s.
        Assert.InRange(audio.Count, 125, 135);
        Assert.All(audio, f => Assert.Equal(AudioCodec.Aac, f.AudioCodec));
        Assert.True(audio.Zip(audio.Skip(1)).All(p => p.Second.Dts > p.First.Dts), "audio DTS increase");
        Assert.InRange(audio[^1].Dts, 2850, 3050);
        Assert.Equal([0x12, 0x08], frames.Single(f => f.Kind == MediaKind.Audio && f.FrameKind == MediaFrameKind.SequenceHeader).Payload[..2]);
    }

    [Fact]
    public async Task Ffmpeg_publish_with_B_frames_keeps_pts_at_or_after_dts()
    {
        var key = await fixture.CreateStreamAsync("ff-bframes");
        var result = await PublishAsync(key, ["-bf", "2"]);
        Assert.True(result.ExitCode == 0, result.Output);
        await fixture.Sink.WaitForEndAsync("ff-bframes", TimeSpan.FromSeconds(10));

        var video = fixture.Sink.Frames("ff-bframes").Where(f => f.Kind == MediaKind.Video && f.FrameKind == MediaFrameKind.Coded).ToList();
        Assert.Equal(75, video.Count);
        Assert.True(video.Zip(video.Skip(1)).All(p => p.Second.Dts > p.First.Dts), "video DTS strictly increasing");
        Assert.All(video, f => Assert.True(f.Pts >= f.Dts, $"PTS {f.Pts} < DTS {f.Dts}"));
        Assert.Contains(video, f => f.CompositionOffset > 0);
        // Presentation order covers every 40 ms slot exactly once.
        var pts = video.Select(f => f.Pts - video.Min(v => v.Pts)).Order().ToList();
        Assert.Equal(Enumerable.Range(0, 75).Select(i => (long)i * 40), pts);
    }

    [Fact]
    public async Task Ffmpeg_timestamps_past_the_24_bit_field_travel_as_extended_timestamps()
    {
        // Starting at 16,780 s puts every timestamp above 0xFFFFFF ms (4.66 h): FFmpeg sends the extended field on
        // fmt 0 and on every fmt-3 continuation (PROTOCOL-NOTES §8 bug 1).
        var key = await fixture.CreateStreamAsync("ff-extended");
        var result = await PublishAsync(key, ["-output_ts_offset", "16780"]);
        Assert.True(result.ExitCode == 0, result.Output);
        await fixture.Sink.WaitForEndAsync("ff-extended", TimeSpan.FromSeconds(10));

        var frames = fixture.Sink.Frames("ff-extended");
        var video = frames.Where(f => f.Kind == MediaKind.Video && f.FrameKind == MediaFrameKind.Coded).ToList();
        Assert.Equal(75, video.Count);
        var start = video[0].Dts;
        Assert.InRange(start, 16_780_000, 16_780_050);
        Assert.Equal(Enumerable.Range(0, 75).Select(i => start + i * 40L), video.Select(f => f.Dts));
        // FFmpeg adopts the server's chunk size (4096) for what it sends: these frames span several chunks.
        Assert.True(video.Count(f => f.Payload.Length > 4096) >= 3, $"largest frame {video.Max(f => f.Payload.Length)} bytes");
        var audio = frames.Where(f => f.Kind == MediaKind.Audio && f.FrameKind == MediaFrameKind.Coded).ToList();
        Assert.All(audio, f => Assert.InRange(f.Dts, 16_779_900, 16_783_100));
    }

    [Fact]
    public async Task Ffmpeg_with_an_unknown_key_fails_quickly()
    {
        var result = await PublishAsync("not-a-real-key", []);
        Assert.NotEqual(0, result.ExitCode);
        Assert.True(result.Elapsed < TimeSpan.FromSeconds(5), $"took {result.Elapsed}");
        // FFmpeg prints the onStatus description: "Server error: Unknown stream key."
        Assert.Contains("Unknown stream key", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ffmpeg_query_string_on_the_key_is_tolerated()
    {
        var key = await fixture.CreateStreamAsync("ff-query");
        var result = await PublishAsync(key + "?token=abc", ["-t", "1"]);
        Assert.True(result.ExitCode == 0, result.Output);
        await fixture.Sink.WaitForEndAsync("ff-query", TimeSpan.FromSeconds(10));
        Assert.NotEmpty(fixture.Sink.Frames("ff-query"));
    }

    [Theory]
    [InlineData("ff-case", "rtmp://127.0.0.1:{0}/Live/{1}")]
    [InlineData("ff-slash", "rtmp://127.0.0.1:{0}/live/{1}/")] // ffmpeg sends app "live/KEY" and an empty stream name
    [InlineData("ff-both", "rtmp://127.0.0.1:{0}/LIVE/{1}/")]
    public async Task Ffmpeg_publish_urls_people_paste_go_live_and_reach_hls(string name, string url)
    {
        var key = await fixture.CreateStreamAsync(name);
        var result = await PublishToAsync(string.Format(url, fixture.Host.RtmpPort, key), []);
        Assert.True(result.ExitCode == 0, result.Output);
        await fixture.Sink.WaitForEndAsync(name, TimeSpan.FromSeconds(10));
        Assert.Equal(75, fixture.Sink.Frames(name).Count(f => f.Kind == MediaKind.Video && f.FrameKind == MediaFrameKind.Coded));

        using var client = fixture.Host.CreateHttpClient(withAdminKey: false);
        var playlist = await client.GetStringAsync($"/hls/{name}/index.m3u8");
        var segment = playlist.Split('\n').First(l => l.EndsWith(".m4s", StringComparison.Ordinal) && l.StartsWith('s'));
        var bytes = await client.GetByteArrayAsync($"/hls/{name}/{segment}");
        Assert.True(bytes.Length > 16 && "styp"u8.SequenceEqual(bytes.AsSpan(4, 4)), "an fMP4 segment (the default container)");
    }

    [Theory]
    [InlineData("rtmp://127.0.0.1:{0}/other/{1}")]
    [InlineData("rtmp://127.0.0.1:{0}/other/{1}/")]
    [InlineData("rtmp://127.0.0.1:{0}/lives/{1}")]
    public async Task Ffmpeg_publishing_to_another_application_is_refused_quickly(string url)
    {
        var name = $"ff-app-{Guid.NewGuid():N}"[..20];
        var key = await fixture.CreateStreamAsync(name);
        var result = await PublishToAsync(string.Format(url, fixture.Host.RtmpPort, key), ["-t", "1"]);
        Assert.NotEqual(0, result.ExitCode);
        Assert.True(result.Elapsed < TimeSpan.FromSeconds(5), $"took {result.Elapsed}");
        Assert.Empty(fixture.Sink.Frames(name));
    }

    [Fact]
    public async Task Ffmpeg_publishing_a_stream_that_is_already_live_fails_while_the_first_publisher_carries_on()
    {
        var key = await fixture.CreateStreamAsync("ff-twice");
        await using var first = await TestRtmpClient.ConnectAsync(fixture.Host.RtmpPort);
        await first.HandshakeAsync();
        var (code, streamId) = await first.PublishAsync(key);
        Assert.Equal(StreamHub.Rtmp.Commands.RtmpStatusCodes.PublishStart, code);

        var second = await PublishAsync(key, ["-t", "1"]);
        Assert.NotEqual(0, second.ExitCode);
        Assert.True(second.Elapsed < TimeSpan.FromSeconds(5), $"took {second.Elapsed}");
        Assert.Contains("already being published", second.Output, StringComparison.Ordinal);

        await first.SendAvcAsync(streamId, 0, true, 1, 0, [0, 0, 0, 1, 0x65]);
        await RecordingMediaSink.WaitUntilAsync(() => fixture.Sink.Frames("ff-twice").Count == 1, TimeSpan.FromSeconds(10), "the first publisher's frame");
        Assert.False(fixture.Sink.HasEnded("ff-twice"));
    }

    private Task<ExternalProcess.Result> PublishAsync(string key, string[] extra) => PublishToAsync(fixture.PublishUrl(key), extra);

    private static Task<ExternalProcess.Result> PublishToAsync(string url, string[] extra)
    {
        var ffmpeg = ExternalProcess.Require("ffmpeg", "ffmpeg");
        string[] arguments =
        [
            // -re: in real time, as an encoder publishes. Faster than real time on a loaded machine, ffmpeg can close
            // while unread server messages (acknowledgements) sit in its socket, which resets the connection, and the
            // kernel then drops the tail of what it sent that the server had not read yet.
            "-hide_banner", "-loglevel", "warning", "-nostdin", "-re",
            "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25",
            "-f", "lavfi", "-i", "sine=frequency=440",
            "-t", "3", "-c:v", "libx264", "-preset", "ultrafast", "-g", "25", "-bf", "0", .. extra,
            "-c:a", "aac", "-f", "flv", url,
        ];
        return ExternalProcess.RunAsync(ffmpeg, arguments, Limit);
    }
}
