using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using StreamHub.Recording;
using StreamHub.Tests.Infrastructure;

namespace StreamHub.Tests.Recording;

/// <summary>Recording that runs out of room stops, says why, and leaves the live stream (HLS) alone.</summary>
public sealed class RecordingLimitTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task A_stream_over_its_recording_limit_stops_recording_with_the_reason_while_hls_carries_on()
    {
        await using var host = StreamHubHost.Start(new Dictionary<string, string?>
        {
            ["StreamHub:Recording:Enabled"] = "true",
            ["StreamHub:Recording:MaxStreamMegabytes"] = "1",
            ["StreamHub:Recording:MinFreeMegabytes"] = "16",
        });
        var (name, key) = await host.CreateStreamAsync("rec-quota");
        var recorder = host.GetService<Recorder>();

        await using var publisher = Publish(host, key, seconds: 16);
        var status = await WaitForAsync(() => recorder.StatusOf(name), s => s.State == RecordingState.Stopped, publisher);
        Assert.Equal(RecordingStopReason.QuotaExceeded, status.StopReason);
        Assert.Contains("size limit", status.Error);
        using var admin = host.CreateHttpClient();
        var api = await admin.GetFromJsonAsync<JsonElement>($"/api/streams/{name}/recordings");
        Assert.Equal("stopped", api.GetProperty("state").GetString());
        Assert.Equal("quotaExceeded", api.GetProperty("stopReason").GetString());
        Assert.Contains("size limit", api.GetProperty("error").GetString());

        // The stream is still live and HLS goes on producing segments after the recording stopped.
        using var client = host.CreateHttpClient(withAdminKey: false);
        var atStop = LastSegment(await client.GetStringAsync($"/hls/{name}/index.m3u8"));
        await WaitForAsync(async () => LastSegment(await client.GetStringAsync($"/hls/{name}/index.m3u8")), last => last >= atStop + 2, publisher);

        var file = Assert.Single(host.GetService<RecordingStore>().Files(name));
        Assert.InRange(file.Length, 64 * 1024, 1024 * 1024);
        var decode = await RecordingProbe.DecodeAsync(file.FullName);
        Assert.True(decode.ExitCode == 0 && decode.Errors.Length == 0, $"exit {decode.ExitCode}: {decode.Errors}");
        Assert.True(decode.VideoFrames > 0);
    }

    [Fact]
    public async Task A_disk_short_of_the_free_space_asked_for_stops_recording_as_disk_full_while_hls_carries_on()
    {
        await using var host = StreamHubHost.Start(new Dictionary<string, string?>
        {
            ["StreamHub:Recording:Enabled"] = "true",
            // No disk has a petabyte free.
            ["StreamHub:Recording:MinFreeMegabytes"] = "1000000000",
        });
        var (name, key) = await host.CreateStreamAsync("rec-full");
        var recorder = host.GetService<Recorder>();

        await using var publisher = Publish(host, key, seconds: 16);
        var status = await WaitForAsync(() => recorder.StatusOf(name), s => s.State == RecordingState.Stopped, publisher);
        Assert.Equal(RecordingStopReason.DiskFull, status.StopReason);
        Assert.Contains("MinFreeMegabytes", status.Error);
        using var admin = host.CreateHttpClient();
        var api = await admin.GetFromJsonAsync<JsonElement>($"/api/streams/{name}/recordings");
        Assert.Equal("diskFull", api.GetProperty("stopReason").GetString());
        Assert.Empty(host.GetService<RecordingStore>().Files(name));

        using var client = host.CreateHttpClient(withAdminKey: false);
        await WaitForAsync(async () => LastSegment(await client.GetStringAsync($"/hls/{name}/index.m3u8")), last => last >= 2, publisher);
    }

    /// <summary>A high bitrate (constant quantiser 12) at twice real time: a megabyte in a few seconds of media.</summary>
    private static BackgroundProcess Publish(StreamHubHost host, string key, int seconds) =>
        BackgroundProcess.Start("ffmpeg", ExternalProcess.Require("ffmpeg", "ffmpeg"),
        [
            "-hide_banner", "-nostdin", "-v", "error", "-readrate", "2",
            "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25", "-f", "lavfi", "-i", "sine=frequency=440",
            "-t", seconds.ToString(), "-c:v", "libx264", "-preset", "ultrafast", "-qp", "12", "-g", "25", "-c:a", "aac",
            "-f", "flv", $"rtmp://127.0.0.1:{host.RtmpPort}/live/{key}",
        ]);

    /// <summary>The media sequence number of the playlist's last segment.</summary>
    private static long LastSegment(string playlist)
    {
        var sequence = long.Parse(Regex.Match(playlist, @"#EXT-X-MEDIA-SEQUENCE:(\d+)").Groups[1].Value);
        return sequence + Regex.Matches(playlist, "#EXTINF:").Count - 1;
    }

    private static Task<T> WaitForAsync<T>(Func<T> read, Func<T, bool> done, BackgroundProcess publisher) =>
        WaitForAsync(() => Task.FromResult(read()), done, publisher);

    private static async Task<T> WaitForAsync<T>(Func<Task<T>> read, Func<T, bool> done, BackgroundProcess publisher)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            T value;
            try
            {
                value = await read();
            }
            catch (HttpRequestException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(100);
                continue;
            }
            if (done(value))
            {
                return value;
            }
            Assert.True(DateTime.UtcNow < deadline, $"still {value}; publisher running: {!publisher.HasExited}\n{publisher.Output}");
            await Task.Delay(100);
        }
    }
}
