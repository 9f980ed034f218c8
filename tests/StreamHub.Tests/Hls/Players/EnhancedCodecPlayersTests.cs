using StreamHub.Tests.Infrastructure;
using Xunit.Abstractions;

namespace StreamHub.Tests.Hls.Players;

/// <summary>hls.js in Chromium watching streams that a real Enhanced RTMP encoder (Debian 13's ffmpeg 7.1,
/// <see cref="TrixieFfmpeg"/>) publishes: AV1 plays (Chromium decodes AV1 in software); HEVC plays where the browser can
/// decode it, and Debian's Chromium cannot (no HEVC decoder without hardware support), so there the test holds that
/// hls.js says so with an error naming the codec instead of stalling without a word.</summary>
[Collection(PlayersCollection.Name)]
public sealed class EnhancedCodecPlayersTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("av1", "av01.0.00M.08")]
    [InlineData("hevc", "hvc1.1.6.L60.90")]
    public async Task HlsJs_plays_av1_and_hevc_where_chromium_decodes_them(string codec, string codecString)
    {
        PlayerPage.NodeModules();
        TrixieFfmpeg.RequireRoot();
        await using var host = StreamHubHost.Start(new Dictionary<string, string?> { ["StreamHub:Hls:SegmentDurationSeconds"] = "1" });
        var (name, key) = await host.CreateStreamAsync(codec);
        // Encoded first, then published in real time with stream copy: an encoder that falls behind real time on a busy
        // machine would feed the server in bursts, and this test is about the player, not about a starved encoder.
        var file = $"/tmp/streamhub-{codec}-{Guid.NewGuid():N}.flv"; // inside the Debian 13 root
        var encoded = await TrixieFfmpeg.RunAsync("ffmpeg",
        [
            "-hide_banner", "-loglevel", "warning", "-nostdin",
            "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25", "-f", "lavfi", "-i", "sine=frequency=440",
            "-t", "50", .. codec == "av1" ? TrixieFfmpeg.Av1Encoder : TrixieFfmpeg.HevcEncoder, "-g", "25", "-bf", "0", "-c:a", "aac", "-f", "flv", file,
        ], TimeSpan.FromSeconds(120));
        Assert.True(encoded.ExitCode == 0, encoded.Output);
        // What the browser gets must decode: a decode error in the page is then StreamHub's, not the encoder's (a
        // multi-threaded SVT-AV1 wrote AV1 that no decoder takes; see TrixieFfmpeg.Av1Encoder).
        var source = await TrixieFfmpeg.RunAsync("ffmpeg", ["-hide_banner", "-nostdin", "-v", "error", "-xerror", "-i", file,
            "-map", "0:v", "-f", "null", "-"], TimeSpan.FromSeconds(120));
        Assert.True(source.ExitCode == 0 && source.StandardError.Trim().Length == 0, $"the encoder's file does not decode: {source.Output}");
        await using var publisher = TrixieFfmpeg.Start($"publisher ({codec})", "ffmpeg",
        [
            "-hide_banner", "-loglevel", "warning", "-nostdin", "-re", "-i", file, "-c", "copy",
            "-f", "flv", $"rtmp://127.0.0.1:{host.RtmpPort}/live/{key}",
        ]);
        var playlist = new Uri(host.HttpBase, $"/hls/{name}/index.m3u8");
        using (var client = new HttpClient())
        {
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(45);
            while (!(await client.GetAsync(playlist)).IsSuccessStatusCode)
            {
                publisher.AssertRunning();
                Assert.True(DateTime.UtcNow < deadline, $"no playlist within 45 s\n{publisher.Output}");
                await Task.Delay(250);
            }
        }

        await using var browser = await Browser.LaunchAsync();
        await using var page = await PlayerPage.OpenAsync(browser.Instance, HlsPlayer.HlsJs, playlist);
        try
        {
            File.Delete(Path.Combine(TrixieFfmpeg.Root, file.TrimStart('/')));
        }
        catch (IOException)
        {
        }
        var decodable = await page.Page.EvaluateAsync<bool>($"() => MediaSource.isTypeSupported('video/mp4; codecs=\"{codecString}\"')");
        output.WriteLine($"Chromium MediaSource.isTypeSupported({codecString}): {decodable}");
        var failures = await page.WaitUntilPlayingAsync(TimeSpan.FromSeconds(30));
        if (!decodable)
        {
            Assert.Equal("hevc", codec); // Chromium's own AV1 decoder is always there
            Assert.True(failures.Count > 0, "hls.js started an HEVC stream that this Chromium says it cannot decode");
            var errors = await page.ErrorsAsync();
            output.WriteLine(string.Join('\n', errors));
            Assert.Contains(errors, e => e.Contains("hvc1", StringComparison.Ordinal)); // hls.js names the codec it could not add
            return;
        }
        Assert.True(failures.Count == 0, $"{codec}: {string.Join("; ", failures)}\n{page.Console}");
        var (start, clock) = await page.PositionAsync();
        var framesBefore = await DecodedFramesAsync(page);
        await Task.Delay(TimeSpan.FromSeconds(10));
        var (position, now) = await page.PositionAsync();
        var framesAfter = await DecodedFramesAsync(page);
        publisher.AssertRunning();
        var advanced = position - start;
        var wall = (now - clock) / 1000;
        var decoded = framesAfter.Total - framesBefore.Total;
        output.WriteLine($"{codec}: advanced {advanced:0.00} s in {wall:0.00} s, {decoded} frames decoded " +
            $"({framesAfter.Dropped - framesBefore.Dropped} dropped); {await page.StateAsync()}");
        // Every picture decodes (a decode error is a failure on the media element), and playback goes on. How closely
        // it keeps up with the clock is left to the latency tests: here Chromium decodes AV1 in software on two cores
        // shared with the rest of the suite.
        Assert.Empty(await page.FailuresAsync());
        Assert.True(advanced >= 2, $"{codec} did not play on: advanced {advanced:0.00} s in {wall:0.00} s; {await page.StateAsync()}");
        Assert.True(decoded >= 50, $"{codec}: {decoded} frames decoded in {wall:0.00} s; {await page.StateAsync()}");
    }

    /// <summary>Frames the media element has decoded so far, and dropped (getVideoPlaybackQuality).</summary>
    private static async Task<(int Total, int Dropped)> DecodedFramesAsync(PlayerPage page)
    {
        var quality = await page.Page.EvaluateAsync<int[]>(
            "() => { const q = document.querySelector('video').getVideoPlaybackQuality(); return [q.totalVideoFrames, q.droppedVideoFrames]; }");
        return (quality[0], quality[1]);
    }
}
