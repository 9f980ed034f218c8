using System.Net.Http.Json;
using System.Text.Json;
using StreamHub.Diagnostics.Metrics;
using StreamHub.Live;
using StreamHub.Playback;
using StreamHub.Tests.EndToEnd;
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

    [Fact]
    public async Task Players_show_per_stream_and_protocol_with_a_server_total_their_bytes_and_drops_and_the_scrape_passes_promtool()
    {
        var (name, key) = await fixture.Host.CreateStreamAsync("player-metrics");
        using var ffmpeg = LiveStatsTests.StartLivePublish(fixture.Host.RtmpPort, key, seconds: 10);
        try
        {
            var stream = await LiveStatsTests.WaitForLiveStreamAsync(fixture.Host, name);
            var registry = fixture.Host.GetService<PlayerRegistry>();
            using var rtmp = registry.Join(stream, PlaybackProtocol.Rtmp, "rtmp", "metrics-rtmp", "127.0.0.1:40011");
            using var flvOne = registry.Join(stream, PlaybackProtocol.HttpFlv, "http", "metrics-flv-1", "127.0.0.1:40012");
            using var flvTwo = registry.Join(stream, PlaybackProtocol.HttpFlv, "https", "metrics-flv-2", "127.0.0.1:40013");
            rtmp.AddBytesSent(5000);
            flvOne.AddBytesSent(700);
            flvTwo.AddBytesSent(80);
            using var anonymous = fixture.Host.CreateHttpClient(withAdminKey: false);

            var text = await anonymous.GetStringAsync("/metrics");

            var promtool = ExternalProcess.Require("promtool", "prometheus");
            var file = Path.Combine(Directory.CreateTempSubdirectory("streamhub-metrics-").FullName, "scrape.txt");
            // The live stream's streamhub_stream_bitrate_bits_per_second fails promtool's lint (it wants bytes as the
            // base unit); it is not the players' series, so it is left out here (the test above scrapes after the
            // publish, when that series is gone).
            await File.WriteAllLinesAsync(file, text.Split('\n').Where(line => !line.Contains("streamhub_stream_bitrate_bits_per_second", StringComparison.Ordinal)));
            var check = await ExternalProcess.RunAsync("/bin/sh", ["-c", $"{promtool} check metrics < '{file}'"], TimeSpan.FromSeconds(30));
            Assert.True(check.ExitCode == 0, $"promtool check metrics failed:\n{check.Output}\n---\n{text}");
            var series = Parse(text);
            Assert.Equal(1, series[$"streamhub_players{{protocol=\"rtmp\",stream=\"{name}\"}}"]);
            Assert.Equal(2, series[$"streamhub_players{{protocol=\"http_flv\",stream=\"{name}\"}}"]);
            Assert.True(series["streamhub_players_connected{protocol=\"rtmp\"}"] >= 1);
            Assert.True(series["streamhub_players_connected{protocol=\"http_flv\"}"] >= 2);
            Assert.Equal(5000, series[$"streamhub_player_sent_bytes_total{{protocol=\"rtmp\",stream=\"{name}\"}}"]);
            Assert.Equal(780, series[$"streamhub_player_sent_bytes_total{{protocol=\"http_flv\",stream=\"{name}\"}}"]);
            Assert.Equal(0, series[$"streamhub_player_dropped_frames_total{{stream=\"{name}\"}}"]);
            Assert.Contains("# TYPE streamhub_players gauge", text);
            Assert.Contains("# TYPE streamhub_player_sent_bytes_total counter", text);
            Assert.Contains("# TYPE streamhub_player_dropped_frames_total counter", text);
            Assert.DoesNotContain(key, text);

            flvTwo.Dispose();
            series = Parse(await anonymous.GetStringAsync("/metrics"));
            Assert.Equal(1, series[$"streamhub_players{{protocol=\"http_flv\",stream=\"{name}\"}}"]);
            Assert.Equal(780, series[$"streamhub_player_sent_bytes_total{{protocol=\"http_flv\",stream=\"{name}\"}}"]);
        }
        finally
        {
            if (!ffmpeg.HasExited)
            {
                ffmpeg.Kill(entireProcessTree: true);
            }
        }
    }

    [Fact]
    public async Task Past_the_cap_streams_players_share_one_overflow_series_that_sums_them_and_the_server_total_counts_everyone()
    {
        await using var host = StreamHubHost.Start();
        var live = host.GetService<LiveStreamRegistry>();
        var registry = host.GetService<PlayerRegistry>();
        var extra = 11;
        var sessions = new List<PlayerSession>();
        var streams = new List<LiveStream>();
        for (var i = 0; i < StreamHubMetrics.MaxPlayerStreams + extra; i++)
        {
            Assert.True(live.TryBeginPublish($"cap-{i:0000}", new PublisherInfo($"c{i}", "127.0.0.1:1", "test"), out var stream));
            streams.Add(stream);
            var session = registry.Join(stream, PlaybackProtocol.Rtmp, "rtmp", $"p{i}", "127.0.0.1:2");
            session.AddBytesSent(10);
            sessions.Add(session);
        }
        using var anonymous = host.CreateHttpClient(withAdminKey: false);

        var series = Parse(await anonymous.GetStringAsync("/metrics"));

        var perStream = series.Keys.Where(k => k.StartsWith("streamhub_players{", StringComparison.Ordinal) && k.Contains("protocol=\"rtmp\",stream=")).ToList();
        Assert.Equal(StreamHubMetrics.MaxPlayerStreams, perStream.Count);
        Assert.All(perStream, k => Assert.Equal(1, series[k]));
        Assert.Equal(extra, series["streamhub_players{overflow=\"true\",protocol=\"rtmp\"}"]);
        Assert.Equal(10 * extra, series["streamhub_player_sent_bytes_total{overflow=\"true\",protocol=\"rtmp\"}"]);
        Assert.True(series.Keys.Count(k => k.StartsWith("streamhub_players{", StringComparison.Ordinal)) <= PrometheusExporter.MaxSeriesPerInstrument);
        Assert.Equal(StreamHubMetrics.MaxPlayerStreams + extra, series["streamhub_players_connected{protocol=\"rtmp\"}"]);

        sessions.ForEach(s => s.Dispose());
        streams.ForEach(live.EndPublish);
        // Ended and unwatched, the names are let go: no per-stream player series remain.
        var after = Parse(await anonymous.GetStringAsync("/metrics"));
        Assert.DoesNotContain(after.Keys, k => k.StartsWith("streamhub_players{", StringComparison.Ordinal));
        Assert.Equal(0, after["streamhub_players_connected{protocol=\"rtmp\"}"]);
    }

    /// <summary>Sample lines as "name{labels}" -> value.</summary>
    internal static Dictionary<string, double> Parse(string text) => text.Split('\n')
        .Where(line => line.Length > 0 && line[0] != '#')
        .Select(line => (Series: line[..line.LastIndexOf(' ')], Value: double.Parse(line[(line.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture)))
        .ToDictionary(s => s.Series, s => s.Value);
}
