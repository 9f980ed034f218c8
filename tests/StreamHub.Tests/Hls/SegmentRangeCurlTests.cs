using System.Net;
using StreamHub.Tests.Hls.Support;
using StreamHub.Tests.Infrastructure;

namespace StreamHub.Tests.Hls;

/// <summary>curl asks a live stream, published by ffmpeg over RTMP, for byte ranges of a segment.</summary>
public sealed class SegmentRangeCurlTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Curl_gets_first_bytes_a_suffix_and_416_past_the_end_of_a_live_segment()
    {
        var curl = ExternalProcess.Require("curl", "curl");
        var ffmpeg = ExternalProcess.Require("ffmpeg", "ffmpeg");
        await using var host = StreamHubHost.Start(new Dictionary<string, string?> { ["StreamHub:Hls:Container"] = "Ts" });
        var (name, key) = await host.CreateStreamAsync("range");
        var publishing = ExternalProcess.RunAsync(ffmpeg,
        [
            "-hide_banner", "-loglevel", "warning", "-nostdin", "-re",
            "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=25", "-f", "lavfi", "-i", "sine=frequency=440",
            "-t", "8", "-c:v", "libx264", "-preset", "ultrafast", "-g", "25", "-c:a", "aac",
            "-f", "flv", $"rtmp://127.0.0.1:{host.RtmpPort}/live/{key}",
        ], TimeSpan.FromSeconds(40));
        var directory = Directory.CreateTempSubdirectory("streamhub-range-").FullName;
        try
        {
            var segmentUrl = new Uri(host.HttpBase, $"/hls/{name}/{await FirstSegmentAsync(host, name, publishing)}").ToString();

            var whole = await CurlAsync(curl, directory, segmentUrl, null);
            Assert.Equal(200, whole.Status);
            Assert.Equal("bytes", whole.Header("Accept-Ranges"));
            Assert.True(whole.Body.Length > 10_000, $"segment of {whole.Body.Length} bytes");
            Assert.Equal(0x47, whole.Body[0]); // an MPEG-TS sync byte: a real segment

            var first = await CurlAsync(curl, directory, segmentUrl, "0-999");
            Assert.Equal(206, first.Status);
            Assert.Equal(1000, first.Body.Length);
            Assert.Equal(whole.Body[..1000], first.Body);
            Assert.Equal($"bytes 0-999/{whole.Body.Length}", first.Header("Content-Range"));
            Assert.Equal("1000", first.Header("Content-Length"));
            Assert.Equal("bytes", first.Header("Accept-Ranges"));

            var tail = await CurlAsync(curl, directory, segmentUrl, "-500");
            Assert.Equal(206, tail.Status);
            Assert.Equal(whole.Body[^500..], tail.Body);
            Assert.Equal($"bytes {whole.Body.Length - 500}-{whole.Body.Length - 1}/{whole.Body.Length}", tail.Header("Content-Range"));

            var rest = await CurlAsync(curl, directory, segmentUrl, $"{whole.Body.Length - 100}-");
            Assert.Equal(206, rest.Status);
            Assert.Equal(whole.Body[^100..], rest.Body);

            var past = await CurlAsync(curl, directory, segmentUrl, $"{whole.Body.Length}-{whole.Body.Length + 999}");
            Assert.Equal(416, past.Status);
            Assert.Equal($"bytes */{whole.Body.Length}", past.Header("Content-Range"));
            Assert.Contains("\"status\":416", System.Text.Encoding.UTF8.GetString(past.Body));

            // Two ranges at once would be a multipart answer; the server sends the whole segment instead (RFC 9110 §14.2).
            var several = await CurlAsync(curl, directory, segmentUrl, "0-9,20-29");
            Assert.Equal(200, several.Status);
            Assert.Equal(whole.Body, several.Body);

            // HEAD answers what GET would: the range's headers (curl -I reads no body).
            var head = await CurlAsync(curl, directory, segmentUrl, "0-999", head: true);
            Assert.Equal(206, head.Status);
            Assert.Equal("1000", head.Header("Content-Length"));
            Assert.Equal($"bytes 0-999/{whole.Body.Length}", head.Header("Content-Range"));
        }
        finally
        {
            var published = await publishing;
            Directory.Delete(directory, recursive: true);
            Assert.True(published.ExitCode == 0, published.Output);
        }
    }

    /// <summary>Polls the playlist over HTTP (bounded) until it lists a segment; returns that segment's URI.</summary>
    private static async Task<string> FirstSegmentAsync(StreamHubHost host, string name, Task<ExternalProcess.Result> publishing)
    {
        using var client = host.CreateHttpClient(withAdminKey: false);
        var deadline = DateTime.UtcNow + Limit;
        while (DateTime.UtcNow < deadline)
        {
            Assert.False(publishing.IsCompleted, $"ffmpeg stopped before a segment was listed: {(publishing.IsCompleted ? publishing.Result.Output : "")}");
            using var response = await client.GetAsync($"/hls/{name}/index.m3u8");
            if (response.StatusCode == HttpStatusCode.OK)
            {
                var segment = (await response.Content.ReadAsStringAsync()).Split('\n').FirstOrDefault(l => l.EndsWith(".ts", StringComparison.Ordinal));
                if (segment is not null)
                {
                    return segment;
                }
            }
            await Task.Delay(200);
        }
        Assert.Fail($"no segment listed for {name} within {Limit}");
        return "";
    }

    private sealed record CurlResponse(int Status, IReadOnlyDictionary<string, string> Headers, byte[] Body)
    {
        public string? Header(string name) => Headers.TryGetValue(name, out var value) ? value : null;
    }

    /// <summary>curl with <c>-r range</c> (none when null); the status line and headers from <c>-D</c>, the body from a file.</summary>
    private static async Task<CurlResponse> CurlAsync(string curl, string directory, string url, string? range, bool head = false)
    {
        var body = Path.Combine(directory, Guid.NewGuid().ToString("N"));
        var result = await ExternalProcess.RunAsync(curl,
        [
            "--silent", "--show-error", "--max-time", "20", "--dump-header", "-", "--output", body,
            .. range is null ? Array.Empty<string>() : ["--range", range],
            .. head ? ["--head"] : Array.Empty<string>(),
            url,
        ], Limit);
        Assert.True(result.ExitCode == 0, $"curl exit {result.ExitCode}: {result.StandardError}");
        var lines = result.StandardOutput.Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        var status = int.Parse(lines[0].Split(' ')[1]);
        var headers = lines.Skip(1).Select(l => l.Split(':', 2)).Where(p => p.Length == 2)
            .ToDictionary(p => p[0].Trim(), p => p[1].Trim(), StringComparer.OrdinalIgnoreCase);
        return new CurlResponse(status, headers, File.Exists(body) ? await File.ReadAllBytesAsync(body) : []);
    }
}
