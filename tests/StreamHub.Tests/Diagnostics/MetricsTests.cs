using System.Net.Http.Json;
using System.Text.Json;
using StreamHub.Tests.Infrastructure;

namespace StreamHub.Tests.Diagnostics;

/// <summary>/metrics after a real publish, checked by Prometheus' own parser and linter (promtool).</summary>
public sealed class MetricsTests(SharedHostFixture fixture) : IClassFixture<SharedHostFixture>
{
    [Fact]
    public async Task The_scrape_passes_promtool_and_holds_the_stream_series_labelled_by_name_never_key()
    {
        var (name, key) = await fixture.Host.CreateStreamAsync("metrics");
        var ffmpeg = ExternalProcess.Require("ffmpeg", "ffmpeg");
        var publish = await ExternalProcess.RunAsync(ffmpeg,
            ["-v", "error", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25", "-f", "lavfi", "-i", "sine", "-t", "3",
             "-c:v", "libx264", "-g", "25", "-c:a", "aac", "-f", "flv", $"rtmp://127.0.0.1:{fixture.Host.RtmpPort}/live/{key}"], TimeSpan.FromSeconds(60));
        Assert.Equal(0, publish.ExitCode);
        using var anonymous = fixture.Host.CreateHttpClient(withAdminKey: false);
        var playlist = await anonymous.GetAsync($"/hls/{name}/index.m3u8");
        Assert.Equal(System.Net.HttpStatusCode.OK, playlist.StatusCode);

        var response = await anonymous.GetAsync("/metrics");
        var text = await response.Content.ReadAsStringAsync();

        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        var promtool = ExternalProcess.Require("promtool", "prometheus");
        var file = Path.Combine(Directory.CreateTempSubdirectory("streamhub-metrics-").FullName, "scrape.txt");
        await File.WriteAllTextAsync(file, text);
        var check = await ExternalProcess.RunAsync("/bin/sh", ["-c", $"{promtool} check metrics < '{file}'"], TimeSpan.FromSeconds(30));
        Assert.True(check.ExitCode == 0, $"promtool check metrics failed:\n{check.Output}\n---\n{text}");

        var series = Parse(text);
        Assert.True(series[$"streamhub_ingest_frames_total{{kind=\"video\",stream=\"{name}\"}}"] >= 70);
        Assert.True(series[$"streamhub_ingest_frames_total{{kind=\"audio\",stream=\"{name}\"}}"] > 0);
        Assert.True(series[$"streamhub_ingest_received_bytes_total{{stream=\"{name}\"}}"] > 10_000);
        Assert.Contains("streamhub_listener_connections{listener=\"RTMP\"}", series.Keys);
        Assert.True(series[$"streamhub_hls_segments_total{{stream=\"{name}\"}}"] >= 1);
        Assert.True(series[$"streamhub_hls_sent_bytes_total{{stream=\"{name}\"}}"] > 0);
        Assert.Equal(1, series[$"streamhub_hls_viewers{{stream=\"{name}\"}}"]);
        Assert.True(series["streamhub_publish_attempts_total{result=\"accepted\"}"] >= 1);
        // The ended stream's segments stay in memory for its grace period: whole blocks of the segment pool.
        var inUse = series["streamhub_hls_segment_memory_bytes{state=\"in_use\"}"];
        Assert.True(inUse >= StreamHub.Hls.Segmenting.SegmentBlockPool.BlockSize && inUse % StreamHub.Hls.Segmenting.SegmentBlockPool.BlockSize == 0, $"{inUse}");
        Assert.Contains("streamhub_hls_segment_memory_bytes{state=\"free\"}", series.Keys);
        Assert.Contains("streamhub_streams_live", series.Keys);
        Assert.Contains(series.Keys, k => k.StartsWith("dotnet_gc_heap_total_allocated_bytes", StringComparison.Ordinal));
        Assert.DoesNotContain(key, text);
    }

    /// <summary>Sample lines as "name{labels}" -> value.</summary>
    private static Dictionary<string, double> Parse(string text) => text.Split('\n')
        .Where(line => line.Length > 0 && line[0] != '#')
        .Select(line => (Series: line[..line.LastIndexOf(' ')], Value: double.Parse(line[(line.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture)))
        .ToDictionary(s => s.Series, s => s.Value);
}
