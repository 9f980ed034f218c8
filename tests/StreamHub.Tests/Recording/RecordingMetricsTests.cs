using System.Net.Http.Json;
using StreamHub.Recording;
using StreamHub.Tests.Diagnostics;
using StreamHub.Tests.EndToEnd;
using StreamHub.Tests.Infrastructure;

namespace StreamHub.Tests.Recording;

/// <summary>The recorder's series on /metrics while ffmpeg publishes a stream that is being recorded, checked by
/// promtool.</summary>
public sealed class RecordingMetricsTests(RecordingHostFixture fixture) : IClassFixture<RecordingHostFixture>
{
    [Fact]
    public async Task A_recording_stream_shows_in_the_recording_series_and_switching_it_off_counts_a_stop()
    {
        var host = fixture.Host;
        var (name, key) = await host.CreateStreamAsync("rec-metrics");
        using var ffmpeg = LiveStatsTests.StartLivePublish(host.RtmpPort, key, seconds: 20);
        try
        {
            await LiveStatsTests.WaitForLiveStreamAsync(host, name);
            var recorder = host.GetService<Recorder>();
            // Fragments are written at every keyframe (one a second here): wait for a few.
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
            while (recorder.Current(name)?.Window(3600) is not { Info.Fragments.Count: >= 3 })
            {
                Assert.True(DateTime.UtcNow < deadline, $"{name} wrote no fragments: {recorder.StatusOf(name)}");
                await Task.Delay(200);
            }
            using var anonymous = host.CreateHttpClient(withAdminKey: false);

            var text = await anonymous.GetStringAsync("/metrics");

            var promtool = ExternalProcess.Require("promtool", "prometheus");
            var file = Path.Combine(Directory.CreateTempSubdirectory("streamhub-metrics-").FullName, "scrape.txt");
            // As in MetricsTests: the live stream's bitrate series (bits, not bytes) is not the recorder's and fails the lint.
            await File.WriteAllLinesAsync(file, text.Split('\n').Where(line => !line.Contains("streamhub_stream_bitrate_bits_per_second", StringComparison.Ordinal)));
            var check = await ExternalProcess.RunAsync("/bin/sh", ["-c", $"{promtool} check metrics < '{file}'"], TimeSpan.FromSeconds(30));
            Assert.True(check.ExitCode == 0, $"promtool check metrics failed:\n{check.Output}\n---\n{text}");
            var series = MetricsTests.Parse(text);
            Assert.Equal(1, series["streamhub_recordings_active"]);
            Assert.True(series["streamhub_recording_fragments_total"] >= 3, text);
            var written = series["streamhub_recording_written_bytes_total"];
            Assert.True(written > 10_000, text);
            Assert.True(series["streamhub_recording_disk_bytes"] >= written, text);
            Assert.Equal(0, series["streamhub_recording_gaps_total"]);
            Assert.Equal(0, series["streamhub_recording_stops_total{reason=\"switched_off\"}"]);
            Assert.Equal(0, series["streamhub_recording_stops_total{reason=\"disk_full\"}"]);

            using var admin = host.CreateHttpClient();
            (await admin.PutAsJsonAsync($"/api/streams/{name}/recording", new { enabled = false })).EnsureSuccessStatusCode();

            var after = MetricsTests.Parse(await anonymous.GetStringAsync("/metrics"));
            Assert.Equal(0, after["streamhub_recordings_active"]);
            Assert.Equal(1, after["streamhub_recording_stops_total{reason=\"switched_off\"}"]);
            Assert.True(after["streamhub_recording_written_bytes_total"] >= written);
        }
        finally
        {
            ffmpeg.Kill(entireProcessTree: true);
            await ffmpeg.WaitForExitAsync();
        }
    }
}
