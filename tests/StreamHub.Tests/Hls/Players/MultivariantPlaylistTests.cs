using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using StreamHub.Tests.Hls.Support;
using StreamHub.Tests.Infrastructure;
using Xunit.Abstractions;

namespace StreamHub.Tests.Hls.Players;

/// <summary><c>/hls/{name}/master.m3u8</c> of a live ffmpeg encode: its one variant says what the API measured
/// (codecs, size, frame rate) and a bit rate near the encoder's; ffprobe reads the stream through it, and hls.js in
/// Chromium plays it; before the stream is live it is a 404 problem.</summary>
[Collection(PlayersCollection.Name)]
public sealed partial class MultivariantPlaylistTests(ITestOutputHelper output)
{
    [Fact]
    public async Task The_master_playlist_describes_the_live_stream_and_ffprobe_and_hlsjs_play_through_it()
    {
        PlayerPage.NodeModules();
        await using var host = StreamHubHost.Start(new Dictionary<string, string?> { ["StreamHub:Hls:SegmentDurationSeconds"] = "1" });
        var (name, key) = await host.CreateStreamAsync("master");
        using var player = host.CreateHttpClient(withAdminKey: false);
        var early = await player.GetAsync($"/hls/{name}/master.m3u8");
        Assert.Equal(HttpStatusCode.NotFound, early.StatusCode);
        Assert.Equal("application/problem+json", early.Content.Headers.ContentType?.MediaType);
        Assert.Contains(name, (await early.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString());

        await using var publisher = LivePublisher.Start("publisher (GOP 1 s)", $"rtmp://127.0.0.1:{host.RtmpPort}/live/{key}", LivePublisher.Fps);
        var master = new Uri(host.HttpBase, $"/hls/{name}/master.m3u8");
        var text = await WaitForMasterAsync(player, master, segments: 3);
        output.WriteLine(text);

        using var api = host.CreateHttpClient();
        var live = (await api.GetFromJsonAsync<JsonElement>($"/api/streams/{name}")).GetProperty("live");
        var videoCodec = live.GetProperty("video").GetProperty("codecString").GetString();
        var audioCodec = live.GetProperty("audio").GetProperty("codecString").GetString();
        Assert.Equal("mp4a.40.2", audioCodec);
        Assert.StartsWith("#EXTM3U\n#EXT-X-VERSION:9\n#EXT-X-INDEPENDENT-SEGMENTS\n", text);
        var variant = StreamInf().Match(text);
        Assert.True(variant.Success, text);
        Assert.Equal($"{videoCodec},{audioCodec}", variant.Groups["codecs"].Value);
        Assert.Equal("320x180", variant.Groups["resolution"].Value);
        Assert.InRange(double.Parse(variant.Groups["rate"].Value, CultureInfo.InvariantCulture), 29, 31);
        // 400 kbit/s of video and 96 kbit/s of audio, in fMP4: the average near it, the peak above it (keyframes).
        var peak = long.Parse(variant.Groups["peak"].Value, CultureInfo.InvariantCulture);
        var average = long.Parse(variant.Groups["average"].Value, CultureInfo.InvariantCulture);
        Assert.InRange(average, 250_000, 900_000);
        Assert.InRange(peak, average, 3_000_000);
        Assert.EndsWith("\nindex.m3u8\n", text);

        // The stream is live for minutes: probe what the playlist names without counting frames to its end.
        var probe = await MediaTools.RunAsync(MediaTools.Ffprobe,
            ["-v", "error", "-show_entries", "stream=codec_name,width,height", "-of", "json", master.ToString()]);
        Assert.True(probe.ExitCode == 0 && probe.StandardError.Length == 0, $"ffprobe: {probe.StandardError}");
        var streams = JsonDocument.Parse(probe.StandardOutput).RootElement.GetProperty("streams").EnumerateArray().ToArray();
        Assert.Equal(["aac", "h264"], streams.Select(s => s.GetProperty("codec_name").GetString()).Order(StringComparer.Ordinal));
        Assert.Contains(streams, s => s.GetProperty("codec_name").GetString() == "h264" && s.GetProperty("width").GetInt32() == 320);

        await using var browser = await Browser.LaunchAsync();
        await using var page = await PlayerPage.OpenAsync(browser.Instance, HlsPlayer.HlsJs, master);
        var failures = await page.WaitUntilPlayingAsync(TimeSpan.FromSeconds(30));
        Assert.True(failures.Count == 0, $"{string.Join("; ", failures)}\n{page.Console}");
        var start = await page.PositionAsync();
        await Task.Delay(TimeSpan.FromSeconds(8));
        publisher.AssertRunning();
        var (position, clock) = await page.PositionAsync();
        var advanced = position - start.Position;
        var wall = (clock - start.Clock) / 1000;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"hls.js via master.m3u8 advanced {advanced:0.00} s in {wall:0.00} s"));
        Assert.True((await page.FailuresAsync()).Count == 0, page.Console);
        Assert.True(advanced >= wall - 1.5, $"hls.js fell behind: {advanced:0.00} s in {wall:0.00} s; {await page.StateAsync()}");
        // It went from the multivariant playlist to the media playlist it names.
        var requests = await page.HlsRequestsAsync();
        Assert.Contains(requests, r => r.Contains($"/hls/{name}/master.m3u8", StringComparison.Ordinal));
        Assert.Contains(requests, r => r.Contains($"/hls/{name}/index.m3u8", StringComparison.Ordinal));
    }

    private static async Task<string> WaitForMasterAsync(HttpClient player, Uri master, int segments)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        var last = "";
        while (DateTime.UtcNow < deadline)
        {
            var response = await player.GetAsync(master);
            if (response.StatusCode == HttpStatusCode.OK)
            {
                Assert.Equal("application/vnd.apple.mpegurl", response.Content.Headers.ContentType?.MediaType);
                last = await response.Content.ReadAsStringAsync();
                var media = await player.GetStringAsync(new Uri(master, "index.m3u8"));
                if (Regex.Count(media, "#EXTINF:") >= segments)
                {
                    return last;
                }
            }
            await Task.Delay(250);
        }
        Assert.Fail($"{master} never described {segments} segments; last: {last}");
        return last;
    }

    [GeneratedRegex("#EXT-X-STREAM-INF:BANDWIDTH=(?<peak>\\d+),AVERAGE-BANDWIDTH=(?<average>\\d+),CODECS=\"(?<codecs>[^\"]+)\",RESOLUTION=(?<resolution>\\d+x\\d+),FRAME-RATE=(?<rate>[\\d.]+)\n")]
    private static partial Regex StreamInf();
}
