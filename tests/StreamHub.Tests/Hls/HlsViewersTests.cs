using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;
using StreamHub.Hls;
using StreamHub.Live;
using StreamHub.Tests.Hls.Support;
using StreamHub.Tests.Infrastructure;
using Xunit.Abstractions;
using ManualTimeProvider = StreamHub.Tests.Infrastructure.ManualTimeProvider;

namespace StreamHub.Tests.Hls;

/// <summary>The viewer count: distinct (address, user agent) players, held in a capped table of fixed-size hashes.</summary>
public sealed class HlsViewersTests(ITestOutputHelper output)
{
    private static readonly IPAddress Home = IPAddress.Parse("198.51.100.7");

    [Fact]
    public void A_player_is_one_viewer_however_often_it_reloads_and_address_and_agent_both_tell_players_apart()
    {
        var viewers = new HlsViewers(Options.Create(new HlsOptions()), new ManualTimeProvider(DateTimeOffset.UnixEpoch));

        for (var i = 0; i < 5; i++)
        {
            viewers.Seen("s", Home, "hls.js");
        }
        viewers.Seen("s", Home, "VLC/3.0");
        viewers.Seen("s", IPAddress.Parse("198.51.100.8"), "hls.js");
        viewers.Seen("s", IPAddress.Parse("::ffff:198.51.100.7"), "hls.js"); // the same IPv4 player over a dual-stack socket
        viewers.Seen("s", Home, new StringValues(["hls.js", "extra"]));

        Assert.Equal(4, viewers.Count("s"));
        Assert.Equal(0, viewers.Count("other"));
    }

    [Fact]
    public void The_table_stops_at_its_cap_and_makes_room_once_players_have_left()
    {
        var time = new ManualTimeProvider(DateTimeOffset.UnixEpoch);
        var viewers = new HlsViewers(Options.Create(new HlsOptions { MaxViewersPerStream = 100 }), time);

        for (var i = 0; i < 1_000; i++)
        {
            viewers.Seen("s", Home, $"agent-{i}");
        }
        Assert.Equal(100, viewers.Tracked("s"));
        Assert.Equal(100, viewers.Count("s"));

        // The flood stops; a window later a real player arrives and is counted: the insertion pruned the others.
        time.Advance(HlsViewers.Window + TimeSpan.FromSeconds(1));
        viewers.Seen("s", Home, "a real player");
        Assert.Equal(1, viewers.Tracked("s"));
        Assert.Equal(1, viewers.Count("s"));
    }

    [Fact]
    public async Task Thousands_of_playlist_gets_with_distinct_30_KB_user_agents_leave_the_table_at_its_cap_and_retain_no_memory()
    {
        const int cap = 200;
        const int requests = 3_000;
        // The viewers' clock stands still: on a slow machine the flood outlasts the viewer window, and the first
        // players would then rightly have left the count; what is tested here is the cap and the memory.
        var frozen = new ManualTimeProvider(DateTimeOffset.UnixEpoch);
        await using var host = StreamHubHost.Start(new Dictionary<string, string?> { ["StreamHub:Hls:MaxViewersPerStream"] = cap.ToString() },
            configureServices: services => services.AddSingleton(provider => new HlsViewers(provider.GetRequiredService<IOptions<HlsOptions>>(), frozen)));
        var registry = host.GetService<LiveStreamRegistry>();
        Assert.True(registry.TryBeginPublish("crowded", new PublisherInfo("test", "127.0.0.1:1", null), out var stream));
        TestPublisher.Write(stream, [SyntheticFrames.VideoConfig(), SyntheticFrames.AudioConfig()]);
        TestPublisher.Write(stream, SyntheticFrames.Interleaved(0, 4_100, gopFrames: 50, videoSize: 600));
        var viewers = host.GetService<HlsViewers>();

        var before = ManagedHeap();
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, 4).Select(worker => FloodAsync(host.HttpPort, "crowded", worker, requests / 4)));
        var after = ManagedHeap();
        output.WriteLine($"{requests} GETs with 30 KB user agents in {clock.Elapsed.TotalSeconds:F1} s; table {viewers.Tracked("crowded")} entries; managed heap {before / 1e6:F1} MB -> {after / 1e6:F1} MB");

        Assert.Equal(cap, viewers.Count("crowded"));
        Assert.Equal(cap, viewers.Tracked("crowded"));
        // Each request's agent is 60 KB as a .NET string: a table that kept them would hold 180 MB here.
        Assert.True(after - before < 20_000_000, $"the managed heap grew by {(after - before) / 1e6:F1} MB");
    }

    /// <summary>One keep-alive connection sending GETs whose User-Agent is 30 KB and differs in its first bytes.</summary>
    internal static async Task FloodAsync(int port, string name, int worker, int count)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(IPAddress.Loopback, port);
        var head = Encoding.ASCII.GetBytes($"GET /hls/{name}/index.m3u8 HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: ");
        var request = new byte[head.Length + 30_000 + 4];
        head.CopyTo(request, 0);
        request.AsSpan(head.Length, 30_000).Fill((byte)'a');
        "\r\n\r\n"u8.CopyTo(request.AsSpan(head.Length + 30_000));
        var response = new byte[64 * 1024];
        for (var i = 0; i < count; i++)
        {
            Encoding.ASCII.GetBytes($"{worker:D2}-{i:D8}", request.AsSpan(head.Length));
            await socket.SendAsync(request);
            await ReadResponseAsync(socket, response);
        }
    }

    /// <summary>Reads one HTTP response (headers and a Content-Length body) and checks that it is a 200.</summary>
    private static async Task ReadResponseAsync(Socket socket, byte[] buffer)
    {
        var filled = 0;
        while (true)
        {
            var read = await socket.ReceiveAsync(buffer.AsMemory(filled));
            Assert.True(read > 0, "the server closed the connection");
            filled += read;
            var text = Encoding.ASCII.GetString(buffer, 0, filled);
            var end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
            if (end < 0)
            {
                continue;
            }
            Assert.StartsWith("HTTP/1.1 200", text);
            var lengthLine = text[..end].Split("\r\n").Single(l => l.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase));
            var length = int.Parse(lengthLine["Content-Length:".Length..].Trim());
            if (filled >= end + 4 + length)
            {
                return;
            }
        }
    }

    private static long ManagedHeap()
    {
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        return GC.GetTotalMemory(forceFullCollection: true);
    }
}
