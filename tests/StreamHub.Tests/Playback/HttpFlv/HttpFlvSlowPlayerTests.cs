using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using StreamHub.Live;
using StreamHub.Playback;
using StreamHub.Tests.Hls.Support;
using StreamHub.Tests.Infrastructure;

namespace StreamHub.Tests.Playback.HttpFlv;

public sealed class HttpFlvSlowPlayerTests
{
    [Fact]
    public async Task A_player_that_stops_reading_is_cut_off_by_the_write_timeout_while_the_publisher_and_another_player_carry_on()
    {
        var log = new ListLogger<PlayerRegistry>();
        await using var host = StreamHubHost.Start(new Dictionary<string, string?>
        {
            ["StreamHub:Live:PlayerWriteTimeoutSeconds"] = "2",
            ["StreamHub:Live:GopCacheAlways"] = "true",
        }, configureServices: services => services.AddSingleton<ILogger<PlayerRegistry>>(log));
        var registry = host.GetService<LiveStreamRegistry>();
        var players = host.GetService<PlayerRegistry>();
        Assert.True(registry.TryBeginPublish("slow-flv", new PublisherInfo("test", "127.0.0.1:1", null), out var stream));
        TestPublisher.Write(stream, [SyntheticFrames.VideoConfig(), SyntheticFrames.AudioConfig()]);
        using var stop = new CancellationTokenSource();
        // 10 Mbit/s in real time (50 KB video frames at 25 fps), so a reader that stops fills the socket buffers in seconds.
        var publishing = Task.Run(async () =>
        {
            for (long at = 0; !stop.IsCancellationRequested; at += 200)
            {
                TestPublisher.Write(stream, SyntheticFrames.Interleaved(at, 200, gopFrames: 25, videoSize: 50_000));
                await Task.Delay(200);
            }
        });
        try
        {
            // The player that stops reading: a small receive window, a request, and then nothing.
            using var stalled = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 4096 };
            await stalled.ConnectAsync(IPAddress.Loopback, host.HttpPort);
            await stalled.SendAsync(Encoding.ASCII.GetBytes($"GET /flv/slow-flv.flv HTTP/1.1\r\nHost: 127.0.0.1:{host.HttpPort}\r\n\r\n"));
            await WaitForAsync(() => players.CountsFor("slow-flv").HttpFlv == 1, "the stalled player to join");

            // A player that keeps reading.
            using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };
            using var response = await client.GetAsync(new Uri(host.HttpBase, "/flv/slow-flv.flv"), HttpCompletionOption.ResponseHeadersRead);
            var body = await response.Content.ReadAsStreamAsync();
            long received = 0;
            var reading = Task.Run(async () =>
            {
                var buffer = new byte[64 * 1024];
                int read;
                while ((read = await body.ReadAsync(buffer)) > 0)
                {
                    Interlocked.Add(ref received, read);
                }
            });
            await WaitForAsync(() => players.CountsFor("slow-flv").HttpFlv == 2, "the reading player to join");

            var clock = Stopwatch.StartNew();
            await WaitForAsync(() => players.CountsFor("slow-flv").HttpFlv == 1, "the stalled player to be cut off", seconds: 30);
            var cutAfter = clock.Elapsed;

            // The stalled player's connection was aborted, not ended cleanly: a reset once its buffered bytes are read.
            var aborted = false;
            var buffer = new byte[256 * 1024];
            using var drain = new CancellationTokenSource(TimeSpan.FromSeconds(15));
            try
            {
                while (await stalled.ReceiveAsync(buffer, drain.Token) > 0)
                {
                }
            }
            catch (SocketException ex) when (ex.SocketErrorCode == SocketError.ConnectionReset)
            {
                aborted = true;
            }
            Assert.True(aborted, "the stalled player's response ended cleanly instead of being aborted");

            var before = Interlocked.Read(ref received);
            await Task.Delay(1_000);
            Assert.True(Interlocked.Read(ref received) - before > 500_000, "the reading player stopped receiving");
            Assert.False(reading.IsCompleted, "the reading player's response ended");
            Assert.Same(stream, registry.Find("slow-flv"));
            Assert.True(cutAfter < TimeSpan.FromSeconds(25), $"cut after {cutAfter}");
            // Cut by the write timeout (not by Kestrel's minimum data rate, nor as a player that left).
            var left = Assert.Single(log.Lines, l => l.Contains("left stream slow-flv"));
            Assert.Contains("over HttpFlv (http)", left);
            Assert.Contains("it took nothing written to it for 2 s", left);
        }
        finally
        {
            stop.Cancel();
            await publishing;
            registry.EndPublish(stream);
        }
    }

    private static async Task WaitForAsync(Func<bool> condition, string what, int seconds = 10)
    {
        var deadline = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(seconds), $"timed out after {seconds} s waiting for {what}");
            await Task.Delay(50);
        }
    }
}
