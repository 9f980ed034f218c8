using System.Diagnostics;
using StreamHub.Hls;
using StreamHub.Live;
using StreamHub.Tests.Hls.Support;
using StreamHub.Tests.Infrastructure;

namespace StreamHub.Tests.Hls;

/// <summary>ffmpeg follows a live, sliding playlist over HTTP while frames arrive in real time, until ENDLIST.</summary>
public sealed class HlsLiveTests
{
    [Fact]
    public async Task Ffmpeg_follows_the_live_window_over_http_until_the_publisher_stops()
    {
        await using var host = StreamHubHost.Start(new Dictionary<string, string?>
        {
            ["StreamHub:Hls:SegmentDurationSeconds"] = "1",
            ["StreamHub:Hls:WindowSegments"] = "3",
        });
        var flv = MediaTools.Flv("av-8s-gop1", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25", "-f", "lavfi", "-i",
            "sine=frequency=440:sample_rate=44100", "-t", "8", "-c:v", "libx264", "-preset", "veryfast", "-g", "25", "-bf", "2",
            "-pix_fmt", "yuv420p", "-c:a", "aac", "-ac", "2");
        var frames = FlvFrameReader.ReadFrames(flv);
        var registry = host.GetService<LiveStreamRegistry>();
        Assert.True(registry.TryBeginPublish("live-edge", new PublisherInfo("test", "127.0.0.1:1", null), out var stream));

        // The first 3 s at once (a playlist to join), the rest at real speed.
        const long Head = 3_000;
        TestPublisher.Write(stream, frames.Where(f => f.Dts < Head).ToList());
        var rest = frames.Where(f => f.Dts >= Head).ToList();
        var packager = host.GetService<HlsPackager>();
        Assert.True(packager.TryGetSnapshot("live-edge", out var joined));
        var firstSequence = joined.Segments[0].Sequence;
        var url = new Uri(host.HttpBase, "/hls/live-edge/index.m3u8").ToString();
        var player = MediaTools.RunAsync(MediaTools.Ffmpeg,
            ["-v", "error", "-live_start_index", "0", "-i", url, "-map", "0:v", "-fps_mode", "passthrough", "-f", "framemd5", "-"], timeoutSeconds: 40);
        // Real time starts when ffmpeg has the playlist: a player slow to start on a loaded machine would otherwise join
        // a window that has already slid past most of the stream.
        var viewers = host.GetService<HlsViewers>();
        for (var joinBy = Stopwatch.StartNew(); viewers.Count("live-edge") == 0 && joinBy.Elapsed < TimeSpan.FromSeconds(30);)
        {
            await Task.Delay(20);
        }
        var clock = Stopwatch.StartNew();
        try
        {
            foreach (var frame in rest)
            {
                var wait = TimeSpan.FromMilliseconds(frame.Dts - Head) - clock.Elapsed;
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait);
                }
                stream.Write(frame);
                frame.Release();
            }
        }
        finally
        {
            registry.EndPublish(stream);
        }

        var result = await player;
        Assert.True(result.ExitCode == 0, $"ffmpeg exit {result.ExitCode}: {result.StandardError}");
        Assert.True(result.StandardError.Length == 0, $"ffmpeg reported: {result.StandardError}");
        var reference = await MediaTools.RunAsync(MediaTools.Ffmpeg,
            ["-v", "error", "-i", flv, "-map", "0:v", "-fps_mode", "passthrough", "-f", "framemd5", "-"]);
        var expected = Hashes(reference.StandardOutput);
        var decoded = Hashes(result.StandardOutput);
        Assert.Equal(8 * 25, expected.Length);
        // A player that joins late (ffmpeg starting on a loaded machine) begins at the first segment still listed; from
        // there on every frame must arrive, bit-exact, to the end. More than the 3 segments the final playlist lists
        // proves it followed the window while it slid.
        Assert.InRange(decoded.Length, 4 * 25, 8 * 25);
        Assert.Equal(expected[^decoded.Length..], decoded);
        // 8 one-second segments through a 3-segment window: the playlist slid by 5 while ffmpeg played it.
        Assert.True(packager.TryGetSnapshot("live-edge", out var ended));
        Assert.Contains($"#EXT-X-MEDIA-SEQUENCE:{firstSequence + 5}\n", System.Text.Encoding.UTF8.GetString(ended.Playlist.Span));
    }

    private static string[] Hashes(string framemd5) =>
        framemd5.Split('\n').Where(l => l.StartsWith("0,", StringComparison.Ordinal)).Select(l => l.Split(',')[^1].Trim()).ToArray();
}
