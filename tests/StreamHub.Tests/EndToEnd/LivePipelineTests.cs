using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using StreamHub.Tests.Hls.Support;
using StreamHub.Tests.Infrastructure;

namespace StreamHub.Tests.EndToEnd;

/// <summary>The whole path with real clients: ffmpeg publishes over RTMP (on the RTMP port, the HTTP port, or RTMPS
/// on the HTTPS port), StreamHub packages HLS, and ffprobe and ffmpeg read it back over HTTP(S).</summary>
public sealed class LivePipelineTests(SharedHostFixture fixture) : IClassFixture<SharedHostFixture>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private readonly StreamHubHost _host = fixture.Host;

    public static TheoryData<string, string[], string[]> Clips => new()
    {
        { "h264-aac", ["-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25", "-f", "lavfi", "-i", "sine=frequency=440", "-t", "6", "-c:v", "libx264", "-bf", "0", "-g", "25", "-c:a", "aac"], ["h264:320x240", "aac"] },
        { "h264-bframes-aac", ["-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25", "-f", "lavfi", "-i", "sine=frequency=440", "-t", "6", "-c:v", "libx264", "-bf", "2", "-g", "50", "-c:a", "aac"], ["h264:320x240", "aac"] },
        { "audio-only", ["-f", "lavfi", "-i", "sine=frequency=440", "-t", "6", "-c:a", "aac"], ["aac"] },
        { "video-only", ["-f", "lavfi", "-i", "testsrc2=size=256x144:rate=30", "-t", "6", "-c:v", "libx264", "-g", "30", "-an"], ["h264:256x144"] },
    };

    [Theory]
    [MemberData(nameof(Clips))]
    public async Task Ffmpeg_publishes_over_rtmp_and_the_hls_output_probes_and_decodes_cleanly(string clip, string[] input, string[] expectedStreams)
    {
        var (name, key) = await CreateStreamAsync(clip);

        await PublishAsync(input, $"rtmp://127.0.0.1:{_host.RtmpPort}/live/{key}");

        var playlist = await WaitForEndedPlaylistAsync(name);
        Assert.Contains("#EXTINF:", playlist);
        await AssertPlayableAsync($"http://127.0.0.1:{_host.HttpPort}/hls/{name}/index.m3u8", expectedStreams);
    }

    [Fact]
    public async Task A_publisher_that_disconnects_and_reconnects_leaves_one_playlist_with_a_discontinuity_that_decodes()
    {
        var (name, key) = await CreateStreamAsync("reconnect");
        string[] input = ["-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25", "-f", "lavfi", "-i", "sine", "-t", "5", "-c:v", "libx264", "-g", "25", "-c:a", "aac"];

        await PublishAsync(input, $"rtmp://127.0.0.1:{_host.RtmpPort}/live/{key}");
        var first = await WaitForEndedPlaylistAsync(name);
        await PublishAsync(input, $"rtmp://127.0.0.1:{_host.RtmpPort}/live/{key}");
        var second = await WaitForPlaylistAsync(name, p => p.Contains("#EXT-X-DISCONTINUITY\n") && p.Contains("#EXT-X-ENDLIST"));

        Assert.True(MediaSequence(second) >= MediaSequence(first), "MEDIA-SEQUENCE went backwards after a reconnect");
        Assert.True(Count(second, "#EXT-X-PROGRAM-DATE-TIME") >= 2, second);
        await AssertPlayableAsync($"http://127.0.0.1:{_host.HttpPort}/hls/{name}/index.m3u8", ["h264:320x240", "aac"]);
    }

    [Fact]
    public async Task Ffmpeg_publishes_rtmp_to_the_http_port_which_still_serves_hls()
    {
        var (name, key) = await CreateStreamAsync("via-http-port");

        await PublishAsync(ShortClip, $"rtmp://127.0.0.1:{_host.HttpPort}/live/{key}");

        await WaitForEndedPlaylistAsync(name);
        await AssertPlayableAsync($"http://127.0.0.1:{_host.HttpPort}/hls/{name}/index.m3u8", ["h264:320x240", "aac"]);
    }

    [Fact]
    public async Task Ffmpeg_publishes_rtmps_to_the_https_port_which_still_serves_https_and_hls()
    {
        var (name, key) = await CreateStreamAsync("via-https-port");

        await PublishAsync(ShortClip, $"rtmps://127.0.0.1:{_host.HttpsPort}/live/{key}");

        await WaitForEndedPlaylistAsync(name);
        await AssertPlayableAsync($"https://127.0.0.1:{_host.HttpsPort}/hls/{name}/index.m3u8", ["h264:320x240", "aac"]);
    }

    [Fact]
    public async Task Ffmpeg_publishes_rtmps_to_a_dedicated_rtmps_port_when_one_is_configured()
    {
        var rtmpsPort = FreePorts.Next();
        await using var host = StreamHubHost.Start(new Dictionary<string, string?> { ["StreamHub:Rtmps:Port"] = rtmpsPort.ToString() });
        var (name, key) = await host.CreateStreamAsync("dedicated-rtmps");

        await PublishAsync(ShortClip, $"rtmps://127.0.0.1:{rtmpsPort}/live/{key}");

        using var client = host.CreateHttpClient(withAdminKey: false);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (DateTime.UtcNow < deadline)
        {
            var response = await client.GetAsync($"/hls/{name}/index.m3u8");
            if (response.IsSuccessStatusCode && (await response.Content.ReadAsStringAsync()).Contains("#EXT-X-ENDLIST"))
            {
                break;
            }
            await Task.Delay(100);
        }
        await AssertPlayableAsync($"http://127.0.0.1:{host.HttpPort}/hls/{name}/index.m3u8", ["h264:320x240", "aac"]);
    }

    [Theory]
    [InlineData("rtmpt")]
    [InlineData("rtmpts")]
    public async Task Ffmpeg_publishes_through_the_http_tunnel_and_the_hls_output_decodes(string scheme)
    {
        var (name, key) = await CreateStreamAsync(scheme);
        var port = scheme == "rtmpts" ? _host.HttpsPort : _host.HttpPort;

        await PublishAsync(ShortClip, $"{scheme}://127.0.0.1:{port}/live/{key}");

        await WaitForEndedPlaylistAsync(name);
        await AssertPlayableAsync($"http://127.0.0.1:{_host.HttpPort}/hls/{name}/index.m3u8", ["h264:320x240", "aac"]);
    }

    [Fact]
    public async Task A_wrong_key_through_the_http_tunnel_fails_ffmpeg_at_once()
    {
        var ffmpeg = ExternalProcess.Require("ffmpeg", "ffmpeg");
        var result = await ExternalProcess.RunAsync(ffmpeg, ["-v", "error", .. ShortClip, "-f", "flv", $"rtmpt://127.0.0.1:{_host.HttpPort}/live/not-a-real-key"], Timeout);

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("Operation not permitted", result.Output);
    }

    [Fact]
    public async Task A_wrong_key_fails_ffmpeg_at_once_and_publishes_nothing()
    {
        var ffmpeg = ExternalProcess.Require("ffmpeg", "ffmpeg");
        var result = await ExternalProcess.RunAsync(ffmpeg, ["-v", "error", .. ShortClip, "-f", "flv", $"rtmp://127.0.0.1:{_host.RtmpPort}/live/not-a-real-key"], Timeout);

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("Operation not permitted", result.Output);
        Assert.True(result.Elapsed < TimeSpan.FromSeconds(20), $"ffmpeg took {result.Elapsed} to fail");
    }

    private static readonly string[] ShortClip =
        ["-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25", "-f", "lavfi", "-i", "sine", "-t", "4", "-c:v", "libx264", "-g", "25", "-c:a", "aac"];

    private Task<(string Name, string Key)> CreateStreamAsync(string prefix) => _host.CreateStreamAsync(prefix);

    private static async Task PublishAsync(string[] input, string url)
    {
        var ffmpeg = ExternalProcess.Require("ffmpeg", "ffmpeg");
        var result = await ExternalProcess.RunAsync(ffmpeg, ["-v", "error", "-y", .. input, "-f", "flv", url], Timeout);
        Assert.True(result.ExitCode == 0, $"ffmpeg publish to {url[..url.LastIndexOf('/')]} failed ({result.ExitCode}):\n{result.Output}");
    }

    private Task<string> WaitForEndedPlaylistAsync(string name) => WaitForPlaylistAsync(name, p => p.Contains("#EXT-X-ENDLIST"));

    private async Task<string> WaitForPlaylistAsync(string name, Func<string, bool> done)
    {
        using var client = _host.CreateHttpClient(withAdminKey: false);
        return await PlaylistWait.UntilAsync(client, name, done);
    }

    /// <summary>ffprobe finds exactly the expected streams, and ffmpeg decodes every segment without an error line.</summary>
    internal static async Task AssertPlayableAsync(string playlistUrl, string[] expectedStreams)
    {
        var ffprobe = ExternalProcess.Require("ffprobe", "ffmpeg");
        var probe = await ExternalProcess.RunAsync(ffprobe,
            ["-v", "error", "-print_format", "json", "-show_streams", playlistUrl], Timeout);
        Assert.True(probe.ExitCode == 0, probe.Output);
        var json = JsonDocument.Parse(probe.Output[probe.Output.IndexOf('{')..]).RootElement;
        var streams = json.GetProperty("streams").EnumerateArray().Select(s =>
            s.GetProperty("codec_type").GetString() == "video"
                ? $"{s.GetProperty("codec_name").GetString()}:{s.GetProperty("width").GetInt32()}x{s.GetProperty("height").GetInt32()}"
                : s.GetProperty("codec_name").GetString()!).Order().ToArray();
        Assert.Equal(expectedStreams.Order().ToArray(), streams);

        var ffmpeg = ExternalProcess.Require("ffmpeg", "ffmpeg");
        var decode = await ExternalProcess.RunAsync(ffmpeg, ["-v", "error", "-i", playlistUrl, "-f", "null", "-"], Timeout);
        Assert.True(decode.ExitCode == 0, decode.Output);
        Assert.True(string.IsNullOrWhiteSpace(decode.Output), $"ffmpeg reported errors decoding {playlistUrl}:\n{decode.Output}");
    }

    private static long MediaSequence(string playlist) =>
        long.Parse(playlist.Split('\n').First(l => l.StartsWith("#EXT-X-MEDIA-SEQUENCE:", StringComparison.Ordinal))["#EXT-X-MEDIA-SEQUENCE:".Length..]);

    private static int Count(string text, string what) => text.Split(what).Length - 1;
}
