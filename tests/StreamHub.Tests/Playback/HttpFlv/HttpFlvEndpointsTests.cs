using System.Diagnostics;
using System.Net;
using System.Text.Json;
using StreamHub.Playback;
using StreamHub.Tests.Hls.Support;
using StreamHub.Tests.Infrastructure;

namespace StreamHub.Tests.Playback.HttpFlv;

/// <summary>/flv/{name}.flv read by real clients (curl, ffprobe, ffmpeg, HttpClient) while ffmpeg publishes live.</summary>
public sealed class HttpFlvEndpointsTests(HttpFlvLiveFixture live) : IClassFixture<HttpFlvLiveFixture>
{
    [Fact]
    public async Task Curl_gets_a_chunked_flv_response_with_open_cors_that_starts_with_the_flv_header()
    {
        var folder = Directory.CreateTempSubdirectory("streamhub-flv-curl-").FullName;
        try
        {
            var headers = Path.Combine(folder, "headers");
            var body = Path.Combine(folder, "out.flv");
            // The response never ends while the stream is live: curl stops at --max-time (exit 28).
            var curl = await ExternalProcess.RunAsync(ExternalProcess.Require("curl", "curl"),
                ["-sS", "-D", headers, "-o", body, "--max-time", "3", live.FlvUrl], TimeSpan.FromSeconds(20));

            Assert.True(curl.ExitCode == 28, $"curl exit {curl.ExitCode} (28 = stopped at --max-time): {curl.StandardError}");
            var lines = File.ReadAllLines(headers);
            Assert.StartsWith("HTTP/1.1 200", lines[0]);
            Assert.Contains(lines, l => l.Equals("Content-Type: video/x-flv", StringComparison.OrdinalIgnoreCase));
            Assert.Contains(lines, l => l.Equals("Transfer-Encoding: chunked", StringComparison.OrdinalIgnoreCase));
            Assert.Contains(lines, l => l.Equals("Access-Control-Allow-Origin: *", StringComparison.OrdinalIgnoreCase));
            Assert.Contains(lines, l => l.Equals("Cache-Control: no-cache", StringComparison.OrdinalIgnoreCase));
            var bytes = File.ReadAllBytes(body);
            Assert.True(bytes.Length > 20_000, $"only {bytes.Length} bytes in 3 s of a 400 kbit/s stream");
            Assert.Equal("FLV"u8.ToArray(), bytes[..3]);
            Assert.Equal(0x05, bytes[4]); // audio and video
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task Curl_gets_the_same_over_https()
    {
        var folder = Directory.CreateTempSubdirectory("streamhub-flv-curl-").FullName;
        try
        {
            var headers = Path.Combine(folder, "headers");
            var body = Path.Combine(folder, "out.flv");
            var curl = await ExternalProcess.RunAsync(ExternalProcess.Require("curl", "curl"),
                ["-sS", "-k", "--http1.1", "-D", headers, "-o", body, "--max-time", "2", $"https://127.0.0.1:{live.Host.HttpsPort}/flv/{live.Name}.flv"],
                TimeSpan.FromSeconds(20));

            Assert.True(curl.ExitCode == 28, $"curl exit {curl.ExitCode} (28 = stopped at --max-time): {curl.StandardError}");
            var lines = File.ReadAllLines(headers);
            Assert.StartsWith("HTTP/1.1 200", lines[0]);
            Assert.Contains(lines, l => l.Equals("Content-Type: video/x-flv", StringComparison.OrdinalIgnoreCase));
            Assert.Contains(lines, l => l.Equals("Transfer-Encoding: chunked", StringComparison.OrdinalIgnoreCase));
            var bytes = File.ReadAllBytes(body);
            Assert.True(bytes.Length > 10_000, $"only {bytes.Length} bytes in 2 s");
            Assert.Equal("FLV"u8.ToArray(), bytes[..3]);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task The_flv_endpoint_appears_in_the_api_description()
    {
        using var client = live.Host.CreateHttpClient();
        using var document = JsonDocument.Parse(await client.GetStringAsync("/swagger/v1/swagger.json"));

        var get = document.RootElement.GetProperty("paths").GetProperty("/flv/{name}.flv").GetProperty("get");
        var responses = get.GetProperty("responses");
        Assert.True(responses.GetProperty("200").GetProperty("content").TryGetProperty("video/x-flv", out _), responses.ToString());
        Assert.True(responses.TryGetProperty("404", out _), responses.ToString());
        Assert.Equal("HTTP-FLV", get.GetProperty("tags")[0].GetString());
    }

    [Fact]
    public async Task Ffprobe_finds_an_h264_and_an_aac_stream()
    {
        var result = await MediaTools.RunAsync(MediaTools.Ffprobe, ["-v", "error", "-show_entries", "stream=codec_type,codec_name,width,height,sample_rate",
            "-of", "json", live.FlvUrl], timeoutSeconds: 30);

        Assert.True(result.ExitCode == 0, $"ffprobe exit {result.ExitCode}: {result.StandardError}");
        Assert.True(result.StandardError.Length == 0, $"ffprobe reported: {result.StandardError}");
        using var json = JsonDocument.Parse(result.StandardOutput);
        var streams = json.RootElement.GetProperty("streams").EnumerateArray().ToList();
        var video = Assert.Single(streams, s => s.GetProperty("codec_type").GetString() == "video");
        Assert.Equal("h264", video.GetProperty("codec_name").GetString());
        Assert.Equal(320, video.GetProperty("width").GetInt32());
        Assert.Equal(180, video.GetProperty("height").GetInt32());
        var audio = Assert.Single(streams, s => s.GetProperty("codec_type").GetString() == "audio");
        Assert.Equal("aac", audio.GetProperty("codec_name").GetString());
        Assert.Equal("48000", audio.GetProperty("sample_rate").GetString());
    }

    [Fact]
    public async Task Ffmpeg_decodes_five_seconds_cleanly_and_the_bytes_are_counted_for_the_player()
    {
        var players = live.Host.GetService<PlayerRegistry>();
        var before = players.CountsFor(live.Name).BytesSent;

        var result = await MediaTools.RunAsync(MediaTools.Ffmpeg, ["-v", "error", "-i", live.FlvUrl, "-t", "5", "-f", "framecrc", "-"], timeoutSeconds: 40);

        Assert.True(result.ExitCode == 0, $"ffmpeg exit {result.ExitCode}: {result.StandardError}");
        Assert.True(result.StandardError.Length == 0, $"ffmpeg reported: {result.StandardError}");
        var frames = result.StandardOutput.Split('\n').Where(l => !l.StartsWith('#') && l.Length > 0).ToList();
        var video = frames.Count(l => l.StartsWith("0,"));
        var audio = frames.Count(l => l.StartsWith("1,"));
        Assert.True(video >= 4 * 30, $"{video} video frames decoded in 5 s of a 30 fps stream");
        Assert.True(audio >= 4 * 46, $"{audio} audio frames decoded in 5 s of 48 kHz AAC");
        Assert.True(players.CountsFor(live.Name).BytesSent - before > 100_000, "the player's bytes were not counted");
    }

    [Fact]
    public async Task A_player_joining_mid_stream_gets_a_keyframe_within_500_ms_and_timestamps_never_go_back()
    {
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        // What is measured is the join, not this process's first HTTP request: the client is warmed up (and its
        // connection open) with a HEAD, which does not join.
        using (var warmUp = await client.SendAsync(new HttpRequestMessage(HttpMethod.Head, live.FlvUrl), deadline.Token))
        {
            Assert.Equal(HttpStatusCode.OK, warmUp.StatusCode);
        }
        var clock = Stopwatch.StartNew();
        using var response = await client.GetAsync(live.FlvUrl, HttpCompletionOption.ResponseHeadersRead, deadline.Token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var reader = new FlvStreamReader(await response.Content.ReadAsStreamAsync(deadline.Token));
        Assert.Equal(0x05, await reader.ReadHeaderAsync(deadline.Token));

        var tags = new List<FlvTag>();
        FlvTag tag;
        do
        {
            tag = await reader.ReadTagAsync(deadline.Token);
            tags.Add(tag);
        }
        while (tag.Type != 9 || tag.IsSequenceHeader);
        var firstPicture = clock.Elapsed;

        Assert.True(tag.IsVideoKeyframe, "the first video frame is not a keyframe");
        Assert.True(firstPicture < TimeSpan.FromMilliseconds(500), $"the first keyframe took {firstPicture.TotalMilliseconds:0} ms");
        // onMetaData, then both sequence headers before any frame.
        Assert.Equal(18, tags[0].Type);
        Assert.Contains(tags, t => t.Type == 9 && t.IsSequenceHeader);
        Assert.Contains(tags, t => t.Type == 8 && t.IsSequenceHeader);

        while (clock.Elapsed < TimeSpan.FromSeconds(3))
        {
            tags.Add(await reader.ReadTagAsync(deadline.Token));
        }
        for (var i = 1; i < tags.Count; i++)
        {
            Assert.True(tags[i].Timestamp >= tags[i - 1].Timestamp, $"tag {i} at {tags[i].Timestamp} ms after a tag at {tags[i - 1].Timestamp} ms");
        }
        Assert.True(tags[^1].Timestamp - tag.Timestamp >= 2_000, $"3 s of reading covered {tags[^1].Timestamp - tag.Timestamp} ms of media");
    }

    [Fact]
    public async Task Head_answers_like_get_without_joining_the_stream()
    {
        using var client = live.Host.CreateHttpClient(withAdminKey: false);
        var players = live.Host.GetService<PlayerRegistry>();
        // Players of the other tests may still be leaving.
        var settled = Stopwatch.StartNew();
        while (players.CountsFor(live.Name).HttpFlv != 0 && settled.Elapsed < TimeSpan.FromSeconds(10))
        {
            await Task.Delay(50);
        }
        Assert.Equal(0, players.CountsFor(live.Name).HttpFlv);

        using var response = await client.SendAsync(new HttpRequestMessage(HttpMethod.Head, $"/flv/{live.Name}.flv"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("video/x-flv", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("*", response.Headers.GetValues("Access-Control-Allow-Origin").Single());
        Assert.Equal(0, players.CountsFor(live.Name).HttpFlv);
    }

    [Fact]
    public async Task A_stream_that_is_not_live_is_a_404_problem_on_get_and_head()
    {
        using var client = live.Host.CreateHttpClient(withAdminKey: false);

        using var get = await client.GetAsync("/flv/nobody-publishes-this.flv");
        using var head = await client.SendAsync(new HttpRequestMessage(HttpMethod.Head, "/flv/nobody-publishes-this.flv"));

        Assert.Equal(HttpStatusCode.NotFound, get.StatusCode);
        Assert.Equal("application/problem+json", get.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(await get.Content.ReadAsStringAsync());
        Assert.Equal(404, problem.RootElement.GetProperty("status").GetInt32());
        Assert.Contains("nobody-publishes-this", problem.RootElement.GetProperty("detail").GetString());
        Assert.Equal(HttpStatusCode.NotFound, head.StatusCode);
    }
}
