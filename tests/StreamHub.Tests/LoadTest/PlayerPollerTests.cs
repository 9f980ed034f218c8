using System.Globalization;
using System.Net;
using StreamHub.LoadTest;
using StreamHub.Tests.Rtmp.Playback;

namespace StreamHub.Tests.LoadTest;

/// <summary>The load test's <c>--spinning-players</c>: a player read by the <see cref="PlayerPoller"/> plays a live
/// stream of a real StreamHub, and its socket is in no epoll set of this process, so the server's sends never wake a
/// thread for it; a player on the runtime's sockets, beside it, is (which shows the check can see one).</summary>
[Collection(PlaybackCollection.Name)]
public sealed class PlayerPollerTests(PlaybackServerFixture fixture)
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task A_polled_player_plays_without_its_socket_in_any_epoll_set()
    {
        using var timeout = new CancellationTokenSource(Limit);
        using var poller = new PlayerPoller();
        var sendLog = new FrameSendLog();
        await using var polled = await RtmpPlayer.PlayAsync(fixture.Server.RtmpPort, "live", fixture.Name, sendLog,
            new LatencyHistogram(), new LatencyHistogram(), poller, timeout.Token);
        await using var awaited = await RtmpPlayer.PlayAsync(fixture.Server.RtmpPort, "live", fixture.Name, sendLog,
            new LatencyHistogram(), new LatencyHistogram(), null, timeout.Token);

        // The fixture's stream is 30 frames a second: a second and more of video for each.
        while (polled.VideoMessages < 40 || awaited.VideoMessages < 40)
        {
            Assert.Null(polled.Ended);
            Assert.Null(awaited.Ended);
            await Task.Delay(50, timeout.Token);
        }
        Assert.True(polled.Receives > 0);
        Assert.True(polled.LastVideoTimestamp > 0);

        var watched = SocketsInEpollSets();
        Assert.DoesNotContain(SocketInode(polled.LocalEndPoint), watched);
        Assert.Contains(SocketInode(awaited.LocalEndPoint), watched);

        // Taken out of the poller on disposal: its socket closes under no read.
        await polled.DisposeAsync();
        Assert.Equal("closed by the load test", polled.Ended);
        var before = awaited.VideoMessages;
        while (awaited.VideoMessages < before + 10)
        {
            await Task.Delay(50, timeout.Token);
        }
    }

    [Fact]
    public void Spinning_players_are_refused_without_a_core_of_their_own()
    {
        Assert.True(LoadTestOptions.Parse(["--mode", "fanout", "--server-cpus", "0", "--spinning-players"])!.SpinningPlayers);
        Assert.False(LoadTestOptions.Parse(["--mode", "fanout", "--server-cpus", "0"])!.SpinningPlayers);
        // The poller's thread never sleeps: on cores shared with the server it would take the server's time.
        Assert.Null(LoadTestOptions.Parse(["--mode", "fanout", "--spinning-players"]));
    }

    /// <summary>The inode of the established IPv4 TCP socket with this local end (/proc/net/tcp).</summary>
    private static string SocketInode(EndPoint? local)
    {
        var port = ((IPEndPoint)local!).Port.ToString("X4", CultureInfo.InvariantCulture);
        foreach (var line in File.ReadLines("/proc/net/tcp").Skip(1))
        {
            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields[1] == $"0100007F:{port}" && fields[3] == "01")
            {
                return fields[9];
            }
        }
        throw new InvalidOperationException($"no established socket from 127.0.0.1:{((IPEndPoint)local).Port}");
    }

    /// <summary>The inodes of every socket some epoll instance of this process watches (fdinfo's "tfd:" lines).</summary>
    private static HashSet<string> SocketsInEpollSets()
    {
        var inodes = new HashSet<string>();
        foreach (var fd in Directory.GetFiles("/proc/self/fd"))
        {
            if (Target(fd) != "anon_inode:[eventpoll]")
            {
                continue;
            }
            string[] info;
            try
            {
                info = File.ReadAllLines($"/proc/self/fdinfo/{Path.GetFileName(fd)}");
            }
            catch (IOException)
            {
                continue;
            }
            foreach (var line in info.Where(l => l.StartsWith("tfd:", StringComparison.Ordinal)))
            {
                var watched = line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1];
                if (Target($"/proc/self/fd/{watched}") is { } target && target.StartsWith("socket:[", StringComparison.Ordinal))
                {
                    inodes.Add(target["socket:[".Length..^1]);
                }
            }
        }
        return inodes;
    }

    private static string? Target(string link)
    {
        try
        {
            return new FileInfo(link).LinkTarget;
        }
        catch (IOException)
        {
            return null;
        }
    }
}
