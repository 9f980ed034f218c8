using System.Text.Json;
using StreamHub.Media;
using StreamHub.Tests.Infrastructure;

namespace StreamHub.Tests.Rtmp.EndToEnd;

/// <summary>A real Enhanced RTMP encoder: Debian 13's ffmpeg 7.1 (<see cref="TrixieFfmpeg"/>, built by .ci/run)
/// publishes HEVC (libx265) and AV1 (libsvtav1) with AAC: ingest, the stats API, RTMP playback of HEVC, and HLS in
/// fMP4, which that ffmpeg decodes frame for frame.</summary>
public sealed class EnhancedRtmpPublishTests(EnhancedRtmpPublishTests.TsHostFixture fixture) : IClassFixture<EnhancedRtmpPublishTests.TsHostFixture>
{
    /// <summary>A server whose HLS container is MPEG-TS, so HEVC and AV1 must move their streams to fMP4.</summary>
    public sealed class TsHostFixture : RtmpHostFixture
    {
        public override IDictionary<string, string?> Settings => new Dictionary<string, string?> { ["StreamHub:Hls:Container"] = "Ts" };
    }

    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(60);

    // Tiny, fast and single-threaded: the same bytes every time (see TrixieFfmpeg.Av1Encoder for why that matters).
    private static readonly string[] Hevc = TrixieFfmpeg.HevcEncoder;
    private static readonly string[] Av1 = TrixieFfmpeg.Av1Encoder;

    [Theory]
    [InlineData("erx-hevc", "hevc", "Hevc", "hvc1.1.6.L60.90")]
    [InlineData("erx-av1", "av1", "Av1", "av01.0.00M.08")]
    public async Task Ffmpeg_7_1_publishes_and_the_api_shows_the_codec_size_and_advancing_frame_counts(string name, string codec,
        string apiCodec, string codecString)
    {
        var key = await fixture.CreateStreamAsync(name);
        var publish = PublishAsync(key, codec == "hevc" ? Hevc : Av1, seconds: 4);

        var first = await WaitForLiveAsync(name, publish, live => live.GetProperty("videoFrames").GetInt64() > 0);
        var video = first.GetProperty("video");
        Assert.Equal(apiCodec, video.GetProperty("codec").GetString());
        Assert.Equal(codecString, video.GetProperty("codecString").GetString());
        Assert.Equal(320, video.GetProperty("width").GetInt32());
        Assert.Equal(240, video.GetProperty("height").GetInt32());
        Assert.Equal("Aac", first.GetProperty("audio").GetProperty("codec").GetString());
        var frames = first.GetProperty("videoFrames").GetInt64();
        var audioFrames = first.GetProperty("audioFrames").GetInt64();
        await WaitForLiveAsync(name, publish, live => live.GetProperty("videoFrames").GetInt64() > frames
            && live.GetProperty("audioFrames").GetInt64() > audioFrames);

        var result = await publish;
        Assert.True(result.ExitCode == 0, result.Output);
        await fixture.Sink.WaitForEndAsync(name, TimeSpan.FromSeconds(10));
        var recorded = fixture.Sink.Frames(name);
        var expected = codec == "hevc" ? VideoCodec.Hevc : VideoCodec.Av1;
        Assert.Single(recorded, f => f.Kind == MediaKind.Video && f.FrameKind == MediaFrameKind.SequenceHeader && f.VideoCodec == expected);
        var coded = recorded.Where(f => f.Kind == MediaKind.Video && f.FrameKind == MediaFrameKind.Coded).ToList();
        Assert.Equal(100, coded.Count); // 4 s at 25 fps
        Assert.All(coded, f => Assert.Equal(expected, f.VideoCodec));
        Assert.True(coded[0].IsKeyframe, "the first frame is a keyframe");
        Assert.True(coded.Zip(coded.Skip(1)).All(p => p.Second.Dts > p.First.Dts), "video DTS increase");
        Assert.InRange(recorded.Count(f => f.Kind == MediaKind.Audio && f.FrameKind == MediaFrameKind.Coded), 165, 180); // 4 s of AAC at 44.1 kHz
    }

    /// <summary>HLS packages HEVC and AV1 in fMP4 (CMAF), even on a server whose container is MPEG-TS (which cannot
    /// carry them): ffprobe 7.1 reads the playlist and reports the codec and size, and a full decode of the ended
    /// stream gives every picture the encoder's own file gives, checksum for checksum, without an error. The publisher
    /// reaches the server through a relay that passes its bytes on in 300 ms bursts, as a CPU-starved encoder does (many
    /// frames, chunks and the sequence headers in one read).</summary>
    [Theory]
    [InlineData("erx-hls-hevc", "hevc")]
    [InlineData("erx-hls-av1", "av1")]
    public async Task Hls_packages_hevc_and_av1_in_fmp4_and_ffmpeg_7_1_decodes_every_frame(string name, string codec)
    {
        var key = await fixture.CreateStreamAsync(name);
        // Encoded first, then published in real time with stream copy, so the frames the server gets are known: the
        // file's own decode is the reference (and says so if the encoder wrote something that does not decode).
        var file = $"/tmp/streamhub-{name}-{Guid.NewGuid():N}.flv"; // inside the Debian 13 root
        var encoded = await TrixieFfmpeg.RunAsync("ffmpeg",
        [
            "-hide_banner", "-loglevel", "warning", "-nostdin",
            "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25", "-f", "lavfi", "-i", "sine=frequency=440",
            "-t", "6", .. codec == "hevc" ? Hevc : Av1, "-g", "25", "-bf", "0", "-c:a", "aac", "-f", "flv", file,
        ], Limit);
        Assert.True(encoded.ExitCode == 0, encoded.Output);
        var source = await DecodeAsync(file);
        Assert.True(source.Errors.Length == 0, $"the encoder's own file does not decode cleanly: {source.Errors}");
        Assert.Equal(150, source.Frames.Count); // 6 s at 25 fps

        await using (var relay = BurstyTcpRelay.Start(fixture.Host.RtmpPort, TimeSpan.FromMilliseconds(300)))
        {
            var result = await TrixieFfmpeg.RunAsync("ffmpeg",
                ["-hide_banner", "-loglevel", "warning", "-nostdin", "-re", "-i", file, "-c", "copy", "-f", "flv",
                 $"rtmp://127.0.0.1:{relay.Port}/live/{key}"], Limit);
            File.Delete(Path.Combine(TrixieFfmpeg.Root, file.TrimStart('/')));
            Assert.True(result.ExitCode == 0, result.Output);
            Assert.True(relay.LargestBurst > 20_000, $"the relay's largest burst was {relay.LargestBurst} bytes in {relay.Bursts} writes");
        }
        await fixture.Sink.WaitForEndAsync(name, TimeSpan.FromSeconds(10));

        // The publisher has stopped: the playlist has ENDLIST and lists all 6 s (the window holds 12 s).
        var playlist = new Uri(fixture.Host.HttpBase, $"/hls/{name}/index.m3u8").ToString();
        using (var client = fixture.Host.CreateHttpClient(withAdminKey: false))
        {
            var text = await client.GetStringAsync(playlist);
            Assert.Contains("#EXT-X-MAP:URI=\"init", text);
            Assert.Contains("#EXT-X-ENDLIST", text);
        }
        var probe = await TrixieFfmpeg.RunAsync("ffprobe", ["-v", "error", "-show_streams", "-of", "json", playlist], Limit);
        Assert.True(probe.ExitCode == 0, probe.Output);
        using var json = JsonDocument.Parse(probe.StandardOutput);
        var streams = json.RootElement.GetProperty("streams").EnumerateArray().ToList();
        var video = Assert.Single(streams, s => s.GetProperty("codec_type").GetString() == "video");
        Assert.Equal(codec, video.GetProperty("codec_name").GetString());
        Assert.Equal(320, video.GetProperty("width").GetInt32());
        Assert.Equal(240, video.GetProperty("height").GetInt32());
        Assert.Equal("aac", Assert.Single(streams, s => s.GetProperty("codec_type").GetString() == "audio").GetProperty("codec_name").GetString());

        var hls = await DecodeAsync(playlist, "-live_start_index", "0");
        Assert.True(hls.Errors.Length == 0, hls.Errors);
        Assert.Equal(source.Frames, hls.Frames);
    }

    /// <summary>Decodes the video of <paramref name="input"/> with ffmpeg 7.1, stopping at the first error: each
    /// picture's MD5 in order, and what ffmpeg printed on stderr.</summary>
    private static async Task<(List<string> Frames, string Errors)> DecodeAsync(string input, params string[] options)
    {
        var decode = await TrixieFfmpeg.RunAsync("ffmpeg", ["-hide_banner", "-nostdin", "-v", "error", "-xerror", .. options,
            "-i", input, "-map", "0:v", "-fps_mode", "passthrough", "-f", "framemd5", "-"], Limit);
        var frames = decode.StandardOutput.Split('\n').Where(l => l.StartsWith("0,", StringComparison.Ordinal))
            .Select(l => l[(l.LastIndexOf(',') + 1)..].Trim()).ToList();
        return (frames, decode.ExitCode == 0 ? decode.StandardError.Trim() : $"exit {decode.ExitCode}: {decode.StandardError}");
    }

    /// <summary>With <c>-rtmp_enhanced_codecs</c>, ffmpeg 7.1 lists FourCCs in connect; StreamHub answers with those it
    /// packages, hvc1 among them, and ffmpeg sends HEVC. (FFmpeg does not read the answer: without the option it sends
    /// no fourCcList and still sends HEVC, as the test above shows.)</summary>
    [Fact]
    public async Task Ffmpeg_7_1_sends_hevc_after_listing_its_fourccs_in_connect()
    {
        var key = await fixture.CreateStreamAsync("erx-fourcc");
        var result = await PublishAsync(key, [.. Hevc, "-rtmp_enhanced_codecs", "hvc1,av01"], seconds: 2);
        Assert.True(result.ExitCode == 0, result.Output);
        await fixture.Sink.WaitForEndAsync("erx-fourcc", TimeSpan.FromSeconds(10));
        var coded = fixture.Sink.Frames("erx-fourcc").Where(f => f.Kind == MediaKind.Video && f.FrameKind == MediaFrameKind.Coded).ToList();
        Assert.Equal(50, coded.Count);
        Assert.All(coded, f => Assert.Equal(VideoCodec.Hevc, f.VideoCodec));
    }

    /// <summary>RTMP playback writes Enhanced RTMP headers for HEVC (FlvTagWriter): ffmpeg 7.1 reads them.</summary>
    [Fact]
    public async Task Ffmpeg_7_1_plays_the_hevc_stream_back_over_rtmp()
    {
        var key = await fixture.CreateStreamAsync("erx-play");
        var publish = PublishAsync(key, Hevc, seconds: 12);
        await WaitForLiveAsync("erx-play", publish, live => live.GetProperty("videoFrames").GetInt64() > 0);

        var playUrl = $"rtmp://127.0.0.1:{fixture.Host.RtmpPort}/live/erx-play";
        var probe = await TrixieFfmpeg.RunAsync("ffprobe", ["-v", "error", "-show_streams", "-of", "json", playUrl], Limit);
        Assert.True(probe.ExitCode == 0, probe.Output);
        using var json = JsonDocument.Parse(probe.StandardOutput);
        var streams = json.RootElement.GetProperty("streams").EnumerateArray().ToList();
        var video = Assert.Single(streams, s => s.GetProperty("codec_type").GetString() == "video");
        Assert.Equal("hevc", video.GetProperty("codec_name").GetString());
        Assert.Equal(320, video.GetProperty("width").GetInt32());
        Assert.Equal(240, video.GetProperty("height").GetInt32());
        Assert.Equal("aac", Assert.Single(streams, s => s.GetProperty("codec_type").GetString() == "audio").GetProperty("codec_name").GetString());

        // A full decode of 3 s: every picture decodes without an error.
        var decode = await TrixieFfmpeg.RunAsync("ffmpeg", ["-hide_banner", "-nostdin", "-v", "error", "-xerror", "-i", playUrl, "-t", "3",
            "-map", "0:v", "-f", "framemd5", "-"], Limit);
        Assert.True(decode.ExitCode == 0, decode.Output);
        Assert.Equal("", decode.StandardError.Trim());
        var decoded = decode.StandardOutput.Split('\n').Count(l => l.StartsWith("0,", StringComparison.Ordinal));
        Assert.InRange(decoded, 70, 76); // 3 s at 25 fps, counted from the first timestamp

        Assert.True((await publish).ExitCode == 0, "publisher");
    }

    private Task<ExternalProcess.Result> PublishAsync(string key, string[] video, int seconds) =>
        TrixieFfmpeg.RunAsync("ffmpeg",
        [
            // -re: in real time, as an encoder publishes (see FfmpegPublishTests).
            "-hide_banner", "-loglevel", "warning", "-nostdin", "-re",
            "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25",
            "-f", "lavfi", "-i", "sine=frequency=440",
            "-t", seconds.ToString(), .. video, "-g", "25", "-bf", "0",
            "-c:a", "aac", "-f", "flv", fixture.PublishUrl(key),
        ], Limit);

    /// <summary>Polls <c>/api/streams/{name}</c> until its <c>live</c> object meets <paramref name="condition"/>; fails
    /// if the publisher exits first or after 20 s.</summary>
    private async Task<JsonElement> WaitForLiveAsync(string name, Task<ExternalProcess.Result> publish, Func<JsonElement, bool> condition)
    {
        using var client = fixture.Host.CreateHttpClient();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (true)
        {
            using var json = JsonDocument.Parse(await client.GetStringAsync($"/api/streams/{name}"));
            var live = json.RootElement.GetProperty("live");
            if (live.ValueKind == JsonValueKind.Object && condition(live))
            {
                return live.Clone();
            }
            if (publish.IsCompleted)
            {
                Assert.Fail($"the publisher exited before the stream was live as expected:\n{(await publish).Output}\nlive: {live}");
            }
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"stream {name} not live as expected within 20 s; live: {live}");
            }
            await Task.Delay(100);
        }
    }
}
