using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using StreamHub.Live;
using StreamHub.Media;
using StreamHub.Tests.EndToEnd;
using StreamHub.Tests.Hls.Support;
using StreamHub.Tests.Infrastructure;

namespace StreamHub.Tests.Hls;

/// <summary>A server whose default is fMP4 with low latency packages each stream as its own API settings say: ffmpeg
/// publishes over RTMP with keys made through the API, and ffprobe reads what comes out.</summary>
public sealed partial class StreamHlsSettingsTests
{
    [Fact]
    public async Task A_stream_set_to_ts_gets_ts_segments_one_without_low_latency_gets_no_parts_and_the_default_gets_parts()
    {
        await using var host = StreamHubHost.Start(new Dictionary<string, string?>
        {
            ["StreamHub:Hls:SegmentDurationSeconds"] = "1",
        });
        using var api = host.CreateHttpClient();
        var ts = await CreateAsync(api, new { name = UniqueNames.Stream("ts"), hlsContainer = "ts" });
        var whole = await CreateAsync(api, new { name = UniqueNames.Stream("whole"), hlsLowLatency = false });
        var server = await CreateAsync(api, new { name = UniqueNames.Stream("default") });

        var publishers = new[] { ts, whole, server }.Select(s => LiveStatsTests.StartLivePublish(host.RtmpPort, s.Key, seconds: 6)).ToArray();
        try
        {
            using var player = host.CreateHttpClient(withAdminKey: false);
            var tsPlaylist = await WaitForSegmentsAsync(player, ts.Name, 2);
            Assert.Matches(SegmentLine("ts"), tsPlaylist);
            Assert.DoesNotContain("#EXT-X-MAP", tsPlaylist);
            Assert.DoesNotContain("#EXT-X-PART", tsPlaylist);
            var tsStreams = await MediaTools.ProbeStreamsAsync(new Uri(host.HttpBase, $"/hls/{ts.Name}/index.m3u8").ToString());
            Assert.Equal(["aac", "h264"], tsStreams.Select(s => s.GetProperty("codec_name").GetString()).Order(StringComparer.Ordinal));

            var wholePlaylist = await WaitForSegmentsAsync(player, whole.Name, 2);
            Assert.Contains("#EXT-X-MAP:URI=", wholePlaylist);
            Assert.Matches(SegmentLine("m4s"), wholePlaylist);
            Assert.DoesNotContain("#EXT-X-PART", wholePlaylist);
            Assert.DoesNotContain("#EXT-X-SERVER-CONTROL", wholePlaylist);

            // The control: the server's own setting is low latency, so a stream without settings has parts.
            var serverPlaylist = await WaitForSegmentsAsync(player, server.Name, 2);
            Assert.Contains("#EXT-X-PART:", serverPlaylist);

            // The API says what each live stream is packaged in.
            var tsHls = await HlsStateAsync(api, ts.Name);
            Assert.Equal("ts", tsHls.GetProperty("container").GetString());
            Assert.False(tsHls.GetProperty("lowLatency").GetBoolean());
            Assert.Equal(JsonValueKind.Null, tsHls.GetProperty("initVersion").ValueKind);
            Assert.Equal(JsonValueKind.Null, tsHls.GetProperty("packaging").ValueKind);
            var wholeHls = await HlsStateAsync(api, whole.Name);
            Assert.Equal("fmp4", wholeHls.GetProperty("container").GetString());
            Assert.False(wholeHls.GetProperty("lowLatency").GetBoolean());
            Assert.Equal(1, wholeHls.GetProperty("initVersion").GetInt32());
            var serverHls = await HlsStateAsync(api, server.Name);
            Assert.Equal("fmp4", serverHls.GetProperty("container").GetString());
            Assert.True(serverHls.GetProperty("lowLatency").GetBoolean());
            Assert.Equal(JsonValueKind.Null, serverHls.GetProperty("packaging").ValueKind);
        }
        finally
        {
            foreach (var publisher in publishers)
            {
                await publisher.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
                publisher.Dispose();
            }
        }
    }

    [Fact]
    public async Task A_live_stream_whose_codecs_cannot_be_packaged_says_so_in_the_api()
    {
        await using var host = StreamHubHost.Start();
        using var api = host.CreateHttpClient();
        var (name, _) = await CreateAsync(api, new { name = UniqueNames.Stream("vp9") });
        var registry = host.GetService<LiveStreamRegistry>();
        Assert.True(registry.TryBeginPublish(name, new PublisherInfo("test", "127.0.0.1:1", null), out var stream));
        try
        {
            Assert.Equal(JsonValueKind.Null, (await HlsStateAsync(api, name)).GetProperty("packaging").ValueKind);
            TestPublisher.Write(stream,
            [
                MediaFrame.Create(new byte[64], MediaKind.Video, MediaFrameKind.Coded, 0, isKeyframe: true, videoCodec: VideoCodec.Vp9),
                MediaFrame.Create(new byte[64], MediaKind.Audio, MediaFrameKind.Coded, 0, audioCodec: AudioCodec.Opus),
            ]);

            var packaging = (await HlsStateAsync(api, name)).GetProperty("packaging").GetString();
            Assert.NotNull(packaging);
            Assert.Contains("Vp9 video cannot be packaged", packaging);
            Assert.Contains("Opus audio cannot be packaged", packaging);
        }
        finally
        {
            registry.EndPublish(stream);
        }
    }

    private static async Task<JsonElement> HlsStateAsync(HttpClient api, string name) =>
        (await api.GetFromJsonAsync<JsonElement>($"/api/streams/{name}")).GetProperty("hls");

    private static async Task<(string Name, string Key)> CreateAsync(HttpClient api, object request)
    {
        var response = await api.PostAsJsonAsync("/api/streams", request);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        return (body.GetProperty("name").GetString()!, body.GetProperty("key").GetString()!);
    }

    private static Regex SegmentLine(string extension) => new($@"\ns\d+\.{extension}\n");

    /// <summary>The media playlist once it lists at least <paramref name="count"/> whole segments.</summary>
    private static async Task<string> WaitForSegmentsAsync(HttpClient player, string name, int count)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        var last = "";
        while (DateTime.UtcNow < deadline)
        {
            var response = await player.GetAsync($"/hls/{name}/index.m3u8");
            if (response.StatusCode == HttpStatusCode.OK)
            {
                last = await response.Content.ReadAsStringAsync();
                if (ExtInf().Matches(last).Count >= count)
                {
                    return last;
                }
            }
            await Task.Delay(200);
        }
        Assert.Fail($"The playlist of {name} never listed {count} segments; last: {last}");
        return last;
    }

    [GeneratedRegex("#EXTINF:")]
    private static partial Regex ExtInf();
}
