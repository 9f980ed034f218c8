using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using StreamHub.Live;
using StreamHub.Playback;
using StreamHub.Tests.Hls.Support;
using StreamHub.Tests.Infrastructure;

namespace StreamHub.Tests.Playback.HttpFlv;

/// <summary>How an HTTP-FLV response ends, and who may have one.</summary>
public sealed class HttpFlvEndTests
{
    [Fact]
    public async Task The_publisher_stopping_ends_the_response_and_curl_and_ffmpeg_exit_0()
    {
        var log = new ListLogger<PlayerRegistry>();
        await using var host = StreamHubHost.Start(configureServices: services => services.AddSingleton<ILogger<PlayerRegistry>>(log));
        var (name, key) = await host.CreateStreamAsync("flv-end");
        // A finite live publish: 8 s in real time, then ffmpeg unpublishes and exits.
        await using var publisher = BackgroundProcess.Start("finite publisher", ExternalProcess.Require("ffmpeg", "ffmpeg"),
        [
            "-v", "error", "-re", "-f", "lavfi", "-i", "testsrc2=size=320x180:rate=30", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000",
            "-t", "8", "-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency", "-pix_fmt", "yuv420p", "-g", "30",
            "-c:a", "aac", "-f", "flv", $"rtmp://127.0.0.1:{host.RtmpPort}/live/{key}",
        ]);
        await HttpFlvLiveFixture.WaitUntilLiveAsync(host, name, publisher);
        var url = new Uri(host.HttpBase, $"/flv/{name}.flv").ToString();
        var output = Path.Combine(Path.GetTempPath(), $"streamhub-flv-end-{Guid.NewGuid():N}.flv");
        try
        {
            // Both limits are far past the publish's end: reaching one is the failure.
            var curl = ExternalProcess.RunAsync(ExternalProcess.Require("curl", "curl"), ["-sS", "-o", output, "--max-time", "30", url], TimeSpan.FromSeconds(40));
            var ffmpeg = MediaTools.RunAsync(MediaTools.Ffmpeg, ["-v", "error", "-i", url, "-f", "null", "-"], timeoutSeconds: 40);

            var curlResult = await curl;
            var ffmpegResult = await ffmpeg;

            Assert.True(curlResult.ExitCode == 0, $"curl exit {curlResult.ExitCode}: {curlResult.StandardError}");
            Assert.True(curlResult.Elapsed < TimeSpan.FromSeconds(15), $"curl ended after {curlResult.Elapsed}");
            Assert.True(ffmpegResult.ExitCode == 0, $"ffmpeg exit {ffmpegResult.ExitCode}: {ffmpegResult.StandardError}");
            Assert.True(ffmpegResult.StandardError.Length == 0, $"ffmpeg reported: {ffmpegResult.StandardError}");
            Assert.Null(host.GetService<LiveStreamRegistry>().Find(name));

            // What curl saved is a whole FLV file: ffprobe reads it to its end without an error.
            var probe = await MediaTools.RunAsync(MediaTools.Ffprobe, ["-v", "error", "-count_frames", "-select_streams", "v",
                "-show_entries", "stream=nb_read_frames", "-of", "csv=p=0", output]);
            Assert.True(probe.ExitCode == 0 && probe.StandardError.Length == 0, $"ffprobe exit {probe.ExitCode}: {probe.StandardError}");
            Assert.True(int.Parse(probe.StandardOutput.Trim()) >= 3 * 30, $"the saved FLV holds {probe.StandardOutput.Trim()} video frames");

            var players = host.GetService<PlayerRegistry>().CountsFor(name);
            Assert.Equal(0, players.HttpFlv);
            var left = log.Lines.Where(l => l.Contains($"left stream {name}")).ToList();
            Assert.Equal(2, left.Count);
            Assert.All(left, l => Assert.EndsWith("the publisher stopped", l));
        }
        finally
        {
            File.Delete(output);
        }
    }

    [Fact]
    public async Task An_address_the_play_rules_deny_gets_a_403_problem_and_does_not_join()
    {
        await using var host = StreamHubHost.Start(new Dictionary<string, string?> { ["StreamHub:Access:Play:Deny:0"] = "127.0.0.0/8" });
        var registry = host.GetService<LiveStreamRegistry>();
        Assert.True(registry.TryBeginPublish("denied-flv", new PublisherInfo("test", "127.0.0.1:1", null), out var stream));
        try
        {
            TestPublisher.Write(stream, [SyntheticFrames.VideoConfig(), SyntheticFrames.AudioConfig()]);
            TestPublisher.Write(stream, SyntheticFrames.Interleaved(0, 2_000, gopFrames: 25));
            using var client = host.CreateHttpClient(withAdminKey: false);

            using var response = await client.GetAsync("/flv/denied-flv.flv");

            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            Assert.Contains("StreamHub:Access:Play", problem.RootElement.GetProperty("detail").GetString());
            Assert.Equal(0, stream.SubscriberCount);
            Assert.Equal(default, host.GetService<PlayerRegistry>().CountsFor("denied-flv"));
            // The same address still has the API (the rule is for playing only).
            Assert.Equal(HttpStatusCode.OK, (await host.CreateHttpClient().GetAsync("/api/streams")).StatusCode);
        }
        finally
        {
            registry.EndPublish(stream);
        }
    }
}
