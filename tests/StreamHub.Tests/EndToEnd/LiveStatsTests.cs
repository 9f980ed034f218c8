using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using StreamHub.Live;
using StreamHub.Playback;
using StreamHub.Tests.Hls.Support;
using StreamHub.Tests.Infrastructure;

namespace StreamHub.Tests.EndToEnd;

/// <summary>While ffmpeg publishes in real time, the stream API shows what the server measures about it.</summary>
public sealed class LiveStatsTests(SharedHostFixture fixture) : IClassFixture<SharedHostFixture>
{
    [Fact]
    public async Task A_live_stream_shows_its_measured_codec_picture_rate_keyframes_audio_and_bitrate_and_none_once_it_ends()
    {
        using var client = fixture.Host.CreateHttpClient();
        var (name, key) = await fixture.Host.CreateStreamAsync("stats");

        using var ffmpeg = StartLivePublish(fixture.Host.RtmpPort, key, seconds: 8);
        try
        {
            var live = await WaitForAsync(client, name, s => s.GetProperty("isLive").GetBoolean()
                && s.GetProperty("live").GetProperty("bitrateKbps").GetInt64() > 0
                && s.GetProperty("live").GetProperty("keyframeIntervalSeconds").ValueKind == JsonValueKind.Number);
            var stats = live.GetProperty("live");
            var video = stats.GetProperty("video");
            Assert.Equal("H264", video.GetProperty("codec").GetString());
            Assert.StartsWith("avc1.", video.GetProperty("codecString").GetString());
            Assert.Equal(320, video.GetProperty("width").GetInt32());
            Assert.Equal(240, video.GetProperty("height").GetInt32());
            Assert.InRange(stats.GetProperty("frameRate").GetDouble(), 20, 30);
            Assert.InRange(stats.GetProperty("keyframeIntervalSeconds").GetDouble(), 0.9, 1.1);
            var audio = stats.GetProperty("audio");
            Assert.Equal("Aac", audio.GetProperty("codec").GetString());
            Assert.Equal(48000, audio.GetProperty("sampleRate").GetInt32());
            Assert.Equal(1, audio.GetProperty("channels").GetInt32());
            Assert.StartsWith("127.0.0.1:", stats.GetProperty("publisherAddress").GetString());
            Assert.Contains("Lavf", stats.GetProperty("encoder").GetString());
            Assert.True(stats.GetProperty("videoFrames").GetInt64() > 0);
            Assert.True(stats.GetProperty("bytesReceived").GetInt64() > 0);
            Assert.Equal(0, stats.GetProperty("timestampAnomalies").GetInt64());
            Assert.DoesNotContain(key, live.GetRawText());

            // Two players (different user agents) fetch the playlist: two viewers now.
            foreach (var agent in new[] { "player-one/1.0", "player-two/2.0" })
            {
                using var player = fixture.Host.CreateHttpClient(withAdminKey: false);
                player.DefaultRequestHeaders.UserAgent.ParseAdd(agent);
                await WaitForPlaylistAsync(player, name);
            }
            var watched = await WaitForAsync(client, name, s => s.GetProperty("hls").GetProperty("viewers").GetInt32() == 2);
            Assert.True(watched.GetProperty("hls").GetProperty("segmentsProduced").GetInt64() >= 1);
        }
        finally
        {
            await ffmpeg.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        }

        var ended = await WaitForAsync(client, name, s => !s.GetProperty("isLive").GetBoolean());
        Assert.Equal(JsonValueKind.Null, ended.GetProperty("live").ValueKind);
    }

    [Fact]
    public async Task The_measured_bitrate_is_within_20_percent_of_what_the_encoder_sends()
    {
        using var client = fixture.Host.CreateHttpClient();
        var (name, key) = await fixture.Host.CreateStreamAsync("bitrate");
        // Constant bitrate (x264 with filler data): 800 kbit/s video + 64 kbit/s audio = 864 kbit/s on the wire. Encoded
        // first and sent in real time with stream copy: a live encoder starved of CPU on a loaded machine sends less.
        var clip = MediaTools.Flv("cbr-864k",
            "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=25", "-f", "lavfi", "-i", "sine=sample_rate=48000",
            "-t", "20", "-c:v", "libx264", "-preset", "veryfast", "-b:v", "800k", "-minrate", "800k", "-maxrate", "800k", "-bufsize", "400k",
            "-x264-params", "nal-hrd=cbr", "-g", "50", "-c:a", "aac", "-b:a", "64k");
        using var ffmpeg = Process.Start(new ProcessStartInfo(ExternalProcess.Require("ffmpeg", "ffmpeg"),
        [
            "-v", "error", "-re", "-i", clip, "-c", "copy", "-f", "flv", $"rtmp://127.0.0.1:{fixture.Host.RtmpPort}/live/{key}",
        ]) { UseShellExecute = false, RedirectStandardError = true })!;
        try
        {
            // The meter averages the last 5 whole seconds: read it once the stream has been live for 8 s.
            var steady = await WaitForAsync(client, name, s => s.GetProperty("isLive").GetBoolean()
                && DateTimeOffset.UtcNow - s.GetProperty("live").GetProperty("since").GetDateTimeOffset() > TimeSpan.FromSeconds(8));
            var measured = steady.GetProperty("live").GetProperty("bitrateKbps").GetInt64();
            Assert.InRange(measured, 864 * 0.8, 864 * 1.2);
            Assert.Equal(640, steady.GetProperty("live").GetProperty("video").GetProperty("width").GetInt32());
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
    public async Task Server_stats_count_streams_bytes_and_connections()
    {
        using var client = fixture.Host.CreateHttpClient();
        var (name, key) = await fixture.Host.CreateStreamAsync("server-stats");
        var before = await client.GetFromJsonAsync<JsonElement>("/api/stats");

        using var ffmpeg = StartLivePublish(fixture.Host.RtmpPort, key, seconds: 4);
        JsonElement during = default;
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (DateTime.UtcNow < deadline)
        {
            during = await client.GetFromJsonAsync<JsonElement>("/api/stats");
            if (during.GetProperty("streamsLive").GetInt32() >= 1 && during.GetProperty("bytesIn").GetInt64() > before.GetProperty("bytesIn").GetInt64())
            {
                break;
            }
            await Task.Delay(200);
        }
        using var player = fixture.Host.CreateHttpClient(withAdminKey: false);
        await WaitForPlaylistAsync(player, name);
        await ffmpeg.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));

        Assert.True(during.GetProperty("streamsLive").GetInt32() >= 1, during.ToString());
        var rtmp = during.GetProperty("listeners").EnumerateArray().Single(l => l.GetProperty("name").GetString() == "RTMP");
        Assert.True(rtmp.GetProperty("connections").GetInt32() >= 1);
        var after = await client.GetFromJsonAsync<JsonElement>("/api/stats");
        Assert.True(after.GetProperty("bytesIn").GetInt64() > before.GetProperty("bytesIn").GetInt64() + 10_000);
        Assert.True(after.GetProperty("publishesSinceStart").GetInt64() > before.GetProperty("publishesSinceStart").GetInt64());
        Assert.True(after.GetProperty("bytesOut").GetInt64() > before.GetProperty("bytesOut").GetInt64());
        Assert.False(string.IsNullOrEmpty(after.GetProperty("version").GetString()));
        Assert.True(after.GetProperty("uptimeSeconds").GetInt64() >= 0);
        // The ended stream's segments stay in memory for its grace period.
        var segmentMemory = after.GetProperty("segmentMemory");
        Assert.Equal(StreamHub.Hls.Segmenting.SegmentBlockPool.BlockSize, segmentMemory.GetProperty("blockSize").GetInt32());
        Assert.True(segmentMemory.GetProperty("blocksInUse").GetInt32() >= 1, segmentMemory.ToString());
        Assert.Equal(segmentMemory.GetProperty("blocksInUse").GetInt64() * StreamHub.Hls.Segmenting.SegmentBlockPool.BlockSize, segmentMemory.GetProperty("bytesInUse").GetInt64());
    }

    [Fact]
    public async Task Rtmp_and_http_flv_players_show_next_to_hls_viewers_in_the_stream_and_the_list_with_their_bytes_and_drops()
    {
        using var client = fixture.Host.CreateHttpClient();
        var (name, key) = await fixture.Host.CreateStreamAsync("players");
        using var ffmpeg = StartLivePublish(fixture.Host.RtmpPort, key, seconds: 10);
        try
        {
            // Players join as the RTMP and HTTP-FLV transports make them join: through the registry, which subscribes
            // them to the live stream.
            var stream = await WaitForLiveStreamAsync(fixture.Host, name);
            var registry = fixture.Host.GetService<PlayerRegistry>();
            using var rtmpOne = registry.Join(stream, PlaybackProtocol.Rtmp, "rtmp", "test-rtmp-1", "127.0.0.1:40001");
            using var rtmpTwo = registry.Join(stream, PlaybackProtocol.Rtmp, "rtmps", "test-rtmp-2", "127.0.0.1:40002");
            using var flv = registry.Join(stream, PlaybackProtocol.HttpFlv, "http", "test-flv", "127.0.0.1:40003");
            rtmpOne.AddBytesSent(1000);
            flv.AddBytesSent(234);
            using (var hlsPlayer = fixture.Host.CreateHttpClient(withAdminKey: false))
            {
                hlsPlayer.DefaultRequestHeaders.UserAgent.ParseAdd("hls-player/1.0");
                await WaitForPlaylistAsync(hlsPlayer, name);
            }

            var watched = await WaitForAsync(client, name, s => s.GetProperty("viewers").GetProperty("hls").GetInt32() == 1);
            var viewers = watched.GetProperty("viewers");
            Assert.Equal((1, 2, 1, 4), (viewers.GetProperty("hls").GetInt32(), viewers.GetProperty("rtmp").GetInt32(),
                viewers.GetProperty("httpFlv").GetInt32(), viewers.GetProperty("total").GetInt32()));
            Assert.Equal(1, watched.GetProperty("hls").GetProperty("viewers").GetInt32()); // the existing field stays
            Assert.Equal(1234, watched.GetProperty("players").GetProperty("bytesSent").GetInt64());
            Assert.Equal(0, watched.GetProperty("players").GetProperty("framesDropped").GetInt64());

            var listed = (await client.GetFromJsonAsync<JsonElement>("/api/streams")).EnumerateArray().Single(s => s.GetProperty("name").GetString() == name);
            Assert.Equal(2, listed.GetProperty("viewers").GetProperty("rtmp").GetInt32());
            Assert.Equal(1, listed.GetProperty("viewers").GetProperty("httpFlv").GetInt32());
            Assert.Equal(1234, listed.GetProperty("players").GetProperty("bytesSent").GetInt64());

            // The server's total, in /api/stats (other tests' players may share the host).
            var server = (await client.GetFromJsonAsync<JsonElement>("/api/stats")).GetProperty("players");
            Assert.True(server.GetProperty("rtmp").GetInt32() >= 2 && server.GetProperty("httpFlv").GetInt32() >= 1, server.ToString());
            Assert.True(server.GetProperty("bytesSent").GetInt64() >= 1234, server.ToString());

            rtmpTwo.Dispose();
            var left = await client.GetFromJsonAsync<JsonElement>($"/api/streams/{name}");
            Assert.Equal(1, left.GetProperty("viewers").GetProperty("rtmp").GetInt32());
            Assert.Equal(1234, left.GetProperty("players").GetProperty("bytesSent").GetInt64());
        }
        finally
        {
            if (!ffmpeg.HasExited)
            {
                ffmpeg.Kill(entireProcessTree: true);
            }
        }
    }

    /// <summary>The live stream of <paramref name="name"/> once its publisher is on.</summary>
    internal static async Task<LiveStream> WaitForLiveStreamAsync(StreamHubHost host, string name)
    {
        var live = host.GetService<LiveStreamRegistry>();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (DateTime.UtcNow < deadline)
        {
            if (live.Find(name) is { } stream)
            {
                return stream;
            }
            await Task.Delay(100);
        }
        Assert.Fail($"{name} never went live.");
        return null!;
    }

    private static Task WaitForPlaylistAsync(HttpClient player, string name) => PlaylistWait.UntilAsync(player, name, _ => true);

    internal static Process StartLivePublish(int rtmpPort, string key, int seconds) => Process.Start(new ProcessStartInfo(
        ExternalProcess.Require("ffmpeg", "ffmpeg"),
        [
            "-v", "error", "-re", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000",
            "-t", seconds.ToString(), "-c:v", "libx264", "-preset", "veryfast", "-g", "25", "-c:a", "aac", "-ac", "1", "-f", "flv",
            $"rtmp://127.0.0.1:{rtmpPort}/live/{key}",
        ]) { UseShellExecute = false, RedirectStandardError = true })!;

    private static async Task<JsonElement> WaitForAsync(HttpClient client, string name, Func<JsonElement, bool> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        JsonElement last = default;
        while (DateTime.UtcNow < deadline)
        {
            var response = await client.GetAsync($"/api/streams/{name}");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            last = await response.Content.ReadFromJsonAsync<JsonElement>();
            if (condition(last))
            {
                return last;
            }
            await Task.Delay(250);
        }
        Assert.Fail($"The stream never reached the expected state; last: {last}");
        return last;
    }
}
