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
        var publishing = PublishAsync(stream, stop.Token);
        try
        {
            // The player that stops reading: a small receive window, a request, and then nothing.
            using var stalled = await RequestWithSmallWindowAsync(host.HttpPort, "slow-flv");
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

    [Fact]
    public async Task A_player_that_reads_too_slowly_drops_to_keyframes_and_is_cut_off_once_the_stream_removes_it()
    {
        var log = new ListLogger<PlayerRegistry>();
        await using var host = StreamHubHost.Start(new Dictionary<string, string?>
        {
            // Behind for 1 s of media and it is removed; the write timeout is far away, so it is not what cuts it off.
            ["StreamHub:Live:GopCacheMaxSeconds"] = "1",
            ["StreamHub:Live:SubscriberQueueMaxSeconds"] = "2",
            ["StreamHub:Live:SubscriberMaxBehindSeconds"] = "1",
            ["StreamHub:Live:PlayerWriteTimeoutSeconds"] = "60",
        }, configureServices: services => services.AddSingleton<ILogger<PlayerRegistry>>(log));
        var registry = host.GetService<LiveStreamRegistry>();
        var players = host.GetService<PlayerRegistry>();
        Assert.True(registry.TryBeginPublish("behind-flv", new PublisherInfo("test", "127.0.0.1:1", null), out var stream));
        TestPublisher.Write(stream, [SyntheticFrames.VideoConfig(), SyntheticFrames.AudioConfig()]);
        using var stop = new CancellationTokenSource();
        var publishing = PublishAsync(stream, stop.Token);
        try
        {
            using var slow = await RequestWithSmallWindowAsync(host.HttpPort, "behind-flv");
            await WaitForAsync(() => players.CountsFor("behind-flv").HttpFlv == 1, "the slow player to join");

            // 40 KB/s of a 10 Mbit/s stream: it keeps reading, so its writes never time out, but it falls behind.
            var buffer = new byte[4096];
            var reset = false;
            var clock = Stopwatch.StartNew();
            try
            {
                while (clock.Elapsed < TimeSpan.FromSeconds(30) && !log.Lines.Any(l => l.Contains("left stream behind-flv")))
                {
                    using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                    if (await slow.ReceiveAsync(buffer, wait.Token) == 0)
                    {
                        break;
                    }
                    await Task.Delay(100);
                }
                using var drain = new CancellationTokenSource(TimeSpan.FromSeconds(15));
                var large = new byte[256 * 1024];
                while (await slow.ReceiveAsync(large, drain.Token) > 0)
                {
                }
            }
            catch (SocketException ex) when (ex.SocketErrorCode == SocketError.ConnectionReset)
            {
                reset = true;
            }

            var cutAfter = clock.Elapsed;

            var left = Assert.Single(log.Lines, l => l.Contains("left stream behind-flv"));
            // 2 s of queue and 1 s behind, in media time at real speed, and the check twice a second: well within 10 s.
            Assert.True(cutAfter < TimeSpan.FromSeconds(10), $"cut off {cutAfter} after it joined");
            Assert.Contains("it fell behind for too long and was removed", left);
            Assert.DoesNotContain(" 0 frames dropped", left);
            Assert.True(reset, "the removed player's response ended cleanly instead of being aborted");
            Assert.True(players.CountsFor("behind-flv").FramesDropped > 0);
            Assert.Same(stream, registry.Find("behind-flv"));
        }
        finally
        {
            stop.Cancel();
            await publishing;
            registry.EndPublish(stream);
        }
    }

    /// <summary>10 Mbit/s in real time (50 KB video frames at 25 fps, a keyframe a second), so a reader that stops
    /// or reads slowly fills the socket buffers in seconds.</summary>
    private static Task PublishAsync(LiveStream stream, CancellationToken stop) => Task.Run(async () =>
    {
        for (long at = 0; !stop.IsCancellationRequested; at += 200)
        {
            TestPublisher.Write(stream, SyntheticFrames.Interleaved(at, 200, gopFrames: 25, videoSize: 50_000));
            await Task.Delay(200, CancellationToken.None);
        }
    });

    /// <summary>A player with a small receive window: connected, the request sent, nothing read yet.</summary>
    private static async Task<Socket> RequestWithSmallWindowAsync(int port, string name)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 4096 };
        await socket.ConnectAsync(IPAddress.Loopback, port);
        await socket.SendAsync(Encoding.ASCII.GetBytes($"GET /flv/{name}.flv HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n"));
        return socket;
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
