using System.Text.Json;
using StreamHub.Media;
using StreamHub.Tests.Hls.Support;

namespace StreamHub.Tests.Hls;

/// <summary>Real clients, no RTMP: FLVs made by ffmpeg are turned into frames as ingest will, packaged, written to a
/// folder, and read back by ffprobe and ffmpeg (which must decode everything without one error line).</summary>
public sealed class HlsClientTests
{
    private const int Seconds = 6;
    private const int Fps = 25;

    private static string[] Source(bool video, bool audio, bool bFrames) =>
    [
        .. video ? new[] { "-f", "lavfi", "-i", $"testsrc2=size=320x240:rate={Fps}" } : [],
        .. audio ? new[] { "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100" } : [],
        "-t", Seconds.ToString(),
        .. video ? new[] { "-c:v", "libx264", "-preset", "veryfast", "-g", "50", "-bf", bFrames ? "2" : "0", "-pix_fmt", "yuv420p" } : [],
        .. audio ? new[] { "-c:a", "aac", "-ac", "2" } : [],
    ];

    [Fact]
    public async Task Video_with_b_frames_and_audio_decodes_in_ffmpeg()
    {
        var flv = MediaTools.Flv("av-bframes", Source(video: true, audio: true, bFrames: true));
        using var publisher = new TestPublisher();
        var playlist = Package(publisher, "av-bframes", flv);
        await AssertStreams(playlist, expectVideo: true, expectAudio: true, videoFrames: Seconds * Fps);
        await AssertDecodesCleanly(playlist);
        var text = File.ReadAllText(playlist);
        Assert.Contains("#EXT-X-INDEPENDENT-SEGMENTS", text);
        Assert.EndsWith("#EXT-X-ENDLIST\n", text);
    }

    [Fact]
    public async Task Video_without_b_frames_and_audio_decodes_in_ffmpeg()
    {
        var flv = MediaTools.Flv("av-no-bframes", Source(video: true, audio: true, bFrames: false));
        using var publisher = new TestPublisher();
        var playlist = Package(publisher, "av-no-bframes", flv);
        await AssertStreams(playlist, expectVideo: true, expectAudio: true, videoFrames: Seconds * Fps);
        await AssertDecodesCleanly(playlist);
    }

    [Theory]
    [InlineData(44100, 2)]
    [InlineData(48000, 1)]
    public async Task Audio_only_decodes_in_ffmpeg(int sampleRate, int channels)
    {
        var flv = MediaTools.Flv($"audio-only-{sampleRate}-{channels}", "-f", "lavfi", "-i", $"sine=frequency=440:sample_rate={sampleRate}",
            "-t", Seconds.ToString(), "-c:a", "aac", "-ac", channels.ToString());
        using var publisher = new TestPublisher();
        var playlist = Package(publisher, "audio-only", flv);
        await AssertStreams(playlist, expectVideo: false, expectAudio: true, videoFrames: 0, sampleRate, channels);
        await AssertDecodesCleanly(playlist);
        var text = File.ReadAllText(playlist);
        Assert.Contains("#EXT-X-INDEPENDENT-SEGMENTS", text);
        // Cut on time every ~2 s; the encoder's last frames may spill a few ms into a short fourth segment.
        var durations = text.Split('\n').Where(l => l.StartsWith("#EXTINF:", StringComparison.Ordinal))
            .Select(l => double.Parse(l[8..^1], System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        Assert.InRange(durations.Length, 3, 4);
        Assert.All(durations[..2], d => Assert.InRange(d, 2.0, 2.03));
    }

    [Fact]
    public async Task Video_only_decodes_in_ffmpeg()
    {
        var flv = MediaTools.Flv("video-only", Source(video: true, audio: false, bFrames: true));
        using var publisher = new TestPublisher();
        var playlist = Package(publisher, "video-only", flv);
        await AssertStreams(playlist, expectVideo: true, expectAudio: false, videoFrames: Seconds * Fps);
        await AssertDecodesCleanly(playlist);
    }

    [Fact]
    public async Task Audio_and_video_flv_with_video_dropped_is_packaged_as_audio_only()
    {
        var flv = MediaTools.Flv("av-bframes", Source(video: true, audio: true, bFrames: true));
        using var publisher = new TestPublisher();
        publisher.Publish("strip-video", flv, keep: f => f.Kind == MediaKind.Audio);
        TsChecker.Check(publisher.Snapshot("strip-video").Segments, video: false);
        var playlist = publisher.WriteToDisk("strip-video");
        await AssertStreams(playlist, expectVideo: false, expectAudio: true, videoFrames: 0);
        await AssertDecodesCleanly(playlist);
    }

    [Fact]
    public async Task Publisher_restart_continues_the_playlist_after_a_discontinuity_and_decodes()
    {
        var flv = MediaTools.Flv("av-bframes", Source(video: true, audio: true, bFrames: true));
        using var publisher = new TestPublisher();
        publisher.Publish("restart", flv);
        var first = publisher.Snapshot("restart");
        publisher.Publish("restart", flv);
        var second = publisher.Snapshot("restart");

        Assert.Equal(first.Segments[0].Sequence, second.Segments[0].Sequence);
        Assert.Equal(first.Segments.Count * 2, second.Segments.Count);
        var resumed = second.Segments[first.Segments.Count];
        Assert.True(resumed.Entry.Discontinuity);
        Assert.Equal(first.Segments[^1].Sequence + 1, resumed.Sequence);

        TsChecker.Check(second.Segments, video: true);
        var playlist = publisher.WriteToDisk("restart");
        var text = File.ReadAllText(playlist);
        Assert.Single(text.Split('\n'), l => l == "#EXT-X-DISCONTINUITY");
        Assert.Equal(2, text.Split('\n').Count(l => l.StartsWith("#EXT-X-PROGRAM-DATE-TIME:", StringComparison.Ordinal)));
        Assert.Single(text.Split('\n'), l => l == "#EXT-X-ENDLIST");
        await AssertStreams(playlist, expectVideo: true, expectAudio: true, videoFrames: 2 * Seconds * Fps);
        await AssertDecodesCleanly(playlist);
    }

    private static string Package(TestPublisher publisher, string name, string flv)
    {
        publisher.Publish(name, flv);
        var snapshot = publisher.Snapshot(name);
        TsChecker.Check(snapshot.Segments, video: snapshot.Segments[0].Data.FirstSpan[188 + 5 + 12] == 0x1B);
        return publisher.WriteToDisk(name);
    }

    private static async Task AssertStreams(string playlist, bool expectVideo, bool expectAudio, int videoFrames, int sampleRate = 44100, int channels = 2)
    {
        var streams = await MediaTools.ProbeStreamsAsync(playlist);
        var video = streams.Where(s => s.GetProperty("codec_type").GetString() == "video").ToArray();
        var audio = streams.Where(s => s.GetProperty("codec_type").GetString() == "audio").ToArray();
        Assert.Equal(expectVideo ? 1 : 0, video.Length);
        Assert.Equal(expectAudio ? 1 : 0, audio.Length);
        if (expectVideo)
        {
            Assert.Equal("h264", video[0].GetProperty("codec_name").GetString());
            Assert.Equal(320, video[0].GetProperty("width").GetInt32());
            Assert.Equal(240, video[0].GetProperty("height").GetInt32());
            Assert.Equal(videoFrames.ToString(), video[0].GetProperty("nb_read_frames").GetString());
        }
        if (expectAudio)
        {
            Assert.Equal("aac", audio[0].GetProperty("codec_name").GetString());
            Assert.Equal(sampleRate.ToString(), audio[0].GetProperty("sample_rate").GetString());
            Assert.Equal(channels, audio[0].GetProperty("channels").GetInt32());
            // sampleRate / 1024 AAC frames a second (twice that after a restart).
            Assert.InRange(int.Parse(audio[0].GetProperty("nb_read_frames").GetString()!), sampleRate / 1024 * Seconds - 2, (sampleRate / 1024 + 1) * Seconds * 2 + 2);
        }
    }

    private static async Task AssertDecodesCleanly(string playlist)
    {
        var result = await MediaTools.RunAsync(MediaTools.Ffmpeg, ["-v", "error", "-i", playlist, "-f", "null", "-"]);
        Assert.True(result.ExitCode == 0, $"ffmpeg exit {result.ExitCode}: {result.StandardError}");
        Assert.True(result.StandardError.Length == 0, $"ffmpeg reported errors: {result.StandardError}");
    }
}
