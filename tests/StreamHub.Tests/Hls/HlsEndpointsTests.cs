using System.Buffers;
using System.Net;
using System.Text;
using StreamHub.Hls;
using StreamHub.Hls.Segmenting;
using StreamHub.Live;
using StreamHub.Tests.Hls.Support;
using StreamHub.Tests.Infrastructure;

namespace StreamHub.Tests.Hls;

/// <summary>The real app on a real socket: frames go in through the app's own <see cref="LiveStreamRegistry"/>, and
/// the playlist and segments come out over HTTP.</summary>
public sealed class HlsEndpointsTests : IAsyncLifetime
{
    private StreamHubHost _host = null!;
    private HttpClient _client = null!;

    public Task InitializeAsync()
    {
        _host = StreamHubHost.Start(new Dictionary<string, string?> { ["StreamHub:Hls:Container"] = "Ts" });
        _client = _host.CreateHttpClient(withAdminKey: false);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _host.DisposeAsync();
    }

    private LiveStream Publish(string name, long durationMs, int videoSize = 600)
    {
        var registry = _host.GetService<LiveStreamRegistry>();
        Assert.True(registry.TryBeginPublish(name, new PublisherInfo("test", "127.0.0.1:1", null), out var stream));
        TestPublisher.Write(stream, [SyntheticFrames.VideoConfig(), SyntheticFrames.AudioConfig()]);
        TestPublisher.Write(stream, SyntheticFrames.Interleaved(0, durationMs, gopFrames: 50, videoSize: videoSize));
        return stream;
    }

    [Fact]
    public async Task Playlist_is_served_from_memory_with_its_content_type_no_cache_and_cors()
    {
        Publish("live-one", 6_100);
        using var response = await _client.GetAsync("/hls/live-one/index.m3u8");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/vnd.apple.mpegurl", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("no-cache", response.Headers.CacheControl?.ToString());
        Assert.Equal("*", Assert.Single(response.Headers.GetValues("Access-Control-Allow-Origin")));
        var text = await response.Content.ReadAsStringAsync();
        Assert.StartsWith("#EXTM3U\n", text);
        Assert.Equal(3, text.Split('\n').Count(l => l.EndsWith(".ts", StringComparison.Ordinal)));
        Assert.DoesNotContain("ENDLIST", text);
    }

    [Fact]
    public async Task Segment_is_served_byte_for_byte_with_immutable_caching_and_cors()
    {
        Publish("live-two", 4_100);
        Assert.True(_host.GetService<HlsPackager>().TryGetSnapshot("live-two", out var snapshot));
        var segment = snapshot.Segments[0];
        using var response = await _client.GetAsync($"/hls/live-two/{segment.Entry.Uri}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("video/mp2t", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("public, max-age=86400, immutable", response.Headers.CacheControl?.ToString());
        Assert.Equal("*", Assert.Single(response.Headers.GetValues("Access-Control-Allow-Origin")));
        Assert.Equal(segment.Data.Length, response.Content.Headers.ContentLength);
        Assert.Equal(segment.Data.ToArray(), await response.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task A_segment_of_many_blocks_is_served_byte_for_byte_and_head_gives_its_length()
    {
        Publish("live-blocks", 4_100, videoSize: 30_000); // 2 s of 30 kB frames: ~1.6 MB, ~25 blocks
        var packager = _host.GetService<HlsPackager>();
        Assert.Same(_host.GetService<SegmentBlockPool>(), packager.Blocks); // the server-wide pool, trimmed on a timer
        Assert.True(packager.TryGetSnapshot("live-blocks", out var snapshot));
        var segment = snapshot.Segments[0];
        var blocks = 0;
        foreach (var block in segment.Data)
        {
            blocks++;
        }
        Assert.True(blocks >= 20, $"{blocks} blocks");
        var path = $"/hls/live-blocks/{segment.Entry.Uri}";

        using var response = await _client.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(segment.Data.Length, response.Content.Headers.ContentLength);
        Assert.Equal(segment.Data.ToArray(), await response.Content.ReadAsByteArrayAsync());

        using var head = await _client.SendAsync(new HttpRequestMessage(HttpMethod.Head, path));
        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        Assert.Equal(segment.Data.Length, head.Content.Headers.ContentLength);
        Assert.Empty(await head.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task A_range_is_206_and_counted_as_the_bytes_sent_a_range_past_the_end_is_416_problem_details()
    {
        Publish("live-range", 4_100, videoSize: 30_000);
        Assert.True(_host.GetService<HlsPackager>().TryGetSnapshot("live-range", out var snapshot));
        var segment = snapshot.Segments[0];
        var path = $"/hls/live-range/{segment.Entry.Uri}";
        var traffic = _host.GetService<StreamHub.Diagnostics.TrafficCounters>();
        var before = traffic.BytesSent;

        var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Range = new System.Net.Http.Headers.RangeHeaderValue(70_000, 70_999);
        using var partial = await _client.SendAsync(request);
        Assert.Equal(HttpStatusCode.PartialContent, partial.StatusCode);
        Assert.Equal($"bytes 70000-70999/{segment.Data.Length}", partial.Content.Headers.ContentRange?.ToString());
        Assert.Equal(segment.Data.Slice(70_000, 1000).ToArray(), await partial.Content.ReadAsByteArrayAsync());
        Assert.Equal("public, max-age=86400, immutable", partial.Headers.CacheControl?.ToString());
        Assert.Contains("Content-Range", Assert.Single(partial.Headers.GetValues("Access-Control-Expose-Headers")));
        Assert.Equal(before + 1000, traffic.BytesSent);

        var past = new HttpRequestMessage(HttpMethod.Get, path);
        past.Headers.Range = new System.Net.Http.Headers.RangeHeaderValue(segment.Data.Length, null);
        using var unsatisfiable = await _client.SendAsync(past);
        Assert.Equal(HttpStatusCode.RequestedRangeNotSatisfiable, unsatisfiable.StatusCode);
        Assert.Equal($"bytes */{segment.Data.Length}", unsatisfiable.Content.Headers.ContentRange?.ToString());
        Assert.Equal("application/problem+json", unsatisfiable.Content.Headers.ContentType?.MediaType);
        Assert.Contains("Range", await unsatisfiable.Content.ReadAsStringAsync());
        Assert.Equal("no-cache", unsatisfiable.Headers.CacheControl?.ToString());
        Assert.Equal(before + 1000, traffic.BytesSent);
    }

    [Fact]
    public async Task Head_answers_headers_and_length_without_a_body()
    {
        Publish("live-three", 4_100);
        Assert.True(_host.GetService<HlsPackager>().TryGetSnapshot("live-three", out var snapshot));
        foreach (var (path, type, length) in new[]
        {
            ("/hls/live-three/index.m3u8", "application/vnd.apple.mpegurl", snapshot.Playlist.Length),
            ($"/hls/live-three/{snapshot.Segments[0].Entry.Uri}", "video/mp2t", snapshot.Segments[0].Data.Length),
        })
        {
            using var response = await _client.SendAsync(new HttpRequestMessage(HttpMethod.Head, path));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(type, response.Content.Headers.ContentType?.MediaType);
            Assert.Equal(length, response.Content.Headers.ContentLength);
            Assert.Empty(await response.Content.ReadAsByteArrayAsync());
        }
    }

    [Fact]
    public async Task Options_preflight_allows_any_origin()
    {
        var request = new HttpRequestMessage(HttpMethod.Options, "/hls/anything/index.m3u8");
        request.Headers.Add("Origin", "https://player.example");
        request.Headers.Add("Access-Control-Request-Method", "GET");
        request.Headers.Add("Access-Control-Request-Headers", "range");
        using var response = await _client.SendAsync(request);
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal("*", Assert.Single(response.Headers.GetValues("Access-Control-Allow-Origin")));
        Assert.Contains("GET", Assert.Single(response.Headers.GetValues("Access-Control-Allow-Methods")));
        Assert.Contains("HEAD", Assert.Single(response.Headers.GetValues("Access-Control-Allow-Methods")));
        Assert.Equal("range", Assert.Single(response.Headers.GetValues("Access-Control-Allow-Headers")));
    }

    [Theory]
    [InlineData("/hls/nobody/index.m3u8")]
    [InlineData("/hls/nobody/s1.ts")]
    [InlineData("/hls/live-four/s1.ts")]
    [InlineData("/hls/live-four/x1.ts")]
    [InlineData("/hls/live-four/s.ts")]
    [InlineData("/hls/live-four/s-1.ts")]
    [InlineData("/hls/live-four/s99999999999999999999999.ts")]
    public async Task Unknown_streams_and_segments_are_404_problem_details_with_cors(string path)
    {
        Publish("live-four", 4_100);
        using var response = await _client.GetAsync(path);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("*", Assert.Single(response.Headers.GetValues("Access-Control-Allow-Origin")));
        Assert.Contains("\"status\":404", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Stream_without_a_finished_segment_is_404_then_appears()
    {
        var stream = Publish("live-five", 1_000);
        using (var early = await _client.GetAsync("/hls/live-five/index.m3u8"))
        {
            Assert.Equal(HttpStatusCode.NotFound, early.StatusCode);
            Assert.Contains("no finished segment", await early.Content.ReadAsStringAsync());
        }
        TestPublisher.Write(stream, SyntheticFrames.Interleaved(1_000, 1_100, gopFrames: 25));
        using var later = await _client.GetAsync("/hls/live-five/index.m3u8");
        Assert.Equal(HttpStatusCode.OK, later.StatusCode);
    }

    [Fact]
    public async Task Ended_publish_serves_endlist()
    {
        var stream = Publish("live-six", 4_100);
        _host.GetService<LiveStreamRegistry>().EndPublish(stream);
        var text = await _client.GetStringAsync("/hls/live-six/index.m3u8");
        Assert.EndsWith("#EXT-X-ENDLIST\n", text);
        Assert.Equal(3, text.Split('\n').Count(l => l.EndsWith(".ts", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Ffmpeg_plays_the_stream_over_http()
    {
        var flv = MediaTools.Flv("av-bframes", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25", "-f", "lavfi", "-i",
            "sine=frequency=440:sample_rate=44100", "-t", "6", "-c:v", "libx264", "-preset", "veryfast", "-g", "50", "-bf", "2",
            "-pix_fmt", "yuv420p", "-c:a", "aac", "-ac", "2");
        var registry = _host.GetService<LiveStreamRegistry>();
        Assert.True(registry.TryBeginPublish("over-http", new PublisherInfo("test", "127.0.0.1:1", null), out var stream));
        TestPublisher.Write(stream, FlvFrameReader.ReadFrames(flv));
        registry.EndPublish(stream);

        var url = new Uri(_host.HttpBase, "/hls/over-http/index.m3u8").ToString();
        var decode = await MediaTools.RunAsync(MediaTools.Ffmpeg, ["-v", "error", "-i", url, "-f", "null", "-"]);
        Assert.True(decode.ExitCode == 0 && decode.StandardError.Length == 0, $"ffmpeg exit {decode.ExitCode}: {decode.StandardError}");
        var probe = await MediaTools.ProbeStreamsAsync(url);
        Assert.Equal(["h264", "aac"], probe.Select(s => s.GetProperty("codec_name").GetString()).Order(StringComparer.Ordinal).Reverse());
        Assert.Contains(probe, s => s.TryGetProperty("nb_read_frames", out var n) && n.GetString() == "150");
    }

    [Fact]
    public async Task Hls_endpoints_appear_in_the_api_description()
    {
        var json = await _client.GetStringAsync("/swagger/v1/swagger.json");
        Assert.Contains("/hls/{name}/index.m3u8", json);
        Assert.Contains("/hls/{name}/{segment}.ts", json);
        using var document = System.Text.Json.JsonDocument.Parse(json);
        var responses = document.RootElement.GetProperty("paths").GetProperty("/hls/{name}/{segment}.ts").GetProperty("get").GetProperty("responses");
        Assert.True(responses.TryGetProperty("206", out _), responses.ToString());
        Assert.True(responses.TryGetProperty("416", out _), responses.ToString());
        Assert.True(responses.TryGetProperty("200", out _), responses.ToString());
    }
}
