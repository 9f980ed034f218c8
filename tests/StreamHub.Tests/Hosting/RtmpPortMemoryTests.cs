using System.Diagnostics;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.DependencyInjection;
using StreamHub.Hosting;
using StreamHub.Rtmp.Commands;
using StreamHub.Tests.Infrastructure;
using StreamHub.Tests.Rtmp.Playback;

namespace StreamHub.Tests.Hosting;

/// <summary>On the plain RTMP port, a publisher's media is received into 64 KiB buffers while players (which receive
/// only acknowledgements) hold 4 KiB blocks: with ffmpeg publishing and ten players playing over real sockets, no more
/// than the publisher's few large buffers are in use at any moment.</summary>
public sealed class RtmpPortMemoryTests
{
    private const int Players = 10;

    [Fact]
    public async Task Players_hold_no_64_KiB_receive_buffer_while_the_publisher_still_gets_them()
    {
        await using var host = StreamHubHost.Start();
        var pool = host.Services.GetServices<IConnectionListenerFactory>()
            .Select(f => f is ListenerBindingTransport wrapped ? wrapped.Inner : f).OfType<RtmpTransportFactory>().Single().Pool;
        var (name, key) = await host.CreateStreamAsync("mem");
        await using var publisher = PlaybackServerFixture.StartPublisher(name + " publisher", $"rtmp://127.0.0.1:{host.RtmpPort}/live/{key}", 60);

        var players = new List<RtmpPlayClient>();
        try
        {
            var deadline = Stopwatch.GetTimestamp() + 30 * Stopwatch.Frequency;
            for (var i = 0; i < Players; i++)
            {
                RtmpPlayClient player;
                while (true)
                {
                    publisher.AssertRunning();
                    player = await RtmpPlayClient.ConnectAsync(host.RtmpPort);
                    if (await player.PlayAsync(name) == RtmpStatusCodes.PlayReset)
                    {
                        break;
                    }
                    // Not live yet: the server closes a refused player.
                    await player.DisposeAsync();
                    Assert.True(Stopwatch.GetTimestamp() < deadline, $"{name} never went live:\n{publisher.Output}");
                    await Task.Delay(200);
                }
                players.Add(player);
                Assert.NotNull(await player.ReadUntilAsync(RtmpPlayClient.IsCodedKeyframe, TimeSpan.FromSeconds(10)));
            }
            var rentedBefore = pool.LargeBuffersRented;

            // Every player keeps reading for 3 s while the pool is looked at every 50 ms.
            var until = Stopwatch.GetTimestamp() + 3 * Stopwatch.Frequency;
            var reading = players.Select(p => p.ReadUntilAsync(_ => Stopwatch.GetTimestamp() > until, TimeSpan.FromSeconds(20))).ToList();
            long most = 0;
            while (Stopwatch.GetTimestamp() < until)
            {
                most = Math.Max(most, pool.LargeBuffersInUse);
                await Task.Delay(50);
            }
            Assert.All(await Task.WhenAll(reading), r => Assert.True(r.HasValue, "a player's connection closed"));

            // One connection (the publisher) holds a receive buffer and at most one more that still holds a partial
            // message; with a 64 KiB buffer per connection it would be eleven or more.
            Assert.True(most <= 2, $"{most} large buffers in use with {Players} players and one publisher");
            // The publisher's reads still go into large buffers.
            Assert.True(pool.LargeBuffersRented > rentedBefore, "no large buffer rented while ffmpeg published");
        }
        finally
        {
            foreach (var player in players)
            {
                await player.DisposeAsync();
            }
        }
    }
}
