using System.Diagnostics;
using System.Net;
using StreamHub.Rtmp.Commands;
using StreamHub.Tests.Infrastructure;
using StreamHub.Tests.Rtmp;
using Xunit.Abstractions;
using static StreamHub.Tests.Cluster.ClusterTestKit;

namespace StreamHub.Tests.Cluster;

/// <summary>The whole scenario on three StreamHub processes, one PostgreSQL and nginx, all on loopback: ffmpeg
/// publishes to node 1; ffmpeg decodes HLS through nodes 2 and 3 and through nginx's cache (in front of node 2), and
/// RTMP through node 3; a second publish of the name on node 2 is refused; the stream deleted through node 3 kicks the
/// publisher on node 1; then <c>kill -9</c> of node 1 releases a second stream within the heartbeat limit, its players
/// on nodes 2 and 3 see it end, and publishing it to node 2 works.</summary>
[Collection(PostgresCollection.Name)]
public sealed class ClusterScenarioTests(PostgresServer postgres, ITestOutputHelper output)
{
    [Fact]
    public async Task Three_nodes_and_nginx_play_one_publish_everywhere_refuse_it_twice_and_survive_the_kill_of_its_node()
    {
        var database = await postgres.CreateDatabaseAsync("three");
        await using var node1 = await StartNodeAsync(database, "node-1");
        await using var node2 = await StartNodeAsync(database, "node-2");
        await using var node3 = await StartNodeAsync(database, "node-3");
        await using var nginx = await NginxHlsCache.StartAsync(node2.HttpPort);
        try
        {
            await PlayEverywhereThenDeleteAsync(node1, node2, node3, nginx);
            await KillTheOriginAsync(node1, node2, node3);
        }
        catch
        {
            output.WriteLine($"node 1:\n{node1.Output}\nnode 2:\n{node2.Output}\nnode 3:\n{node3.Output}\nnginx:\n{nginx.ErrorLog()}");
            throw;
        }
    }

    private async Task PlayEverywhereThenDeleteAsync(StreamHubProcess node1, StreamHubProcess node2, StreamHubProcess node3, NginxHlsCache nginx)
    {
        using var api1 = Api(node1);
        using var api3 = Api(node3);
        var (name, key) = await CreateStreamAsync(api3, "three");
        await using var publisher = Publish(node1, key);
        await WaitForClusterAsync(api3, c => HolderOf(c, name) == "node-1", Soon, $"listing {name} on node-1");
        await WaitForPlaylistAsync(node1, name);

        var ffmpeg = ExternalProcess.Require("ffmpeg", "ffmpeg");
        string[] Decode(string url) => ["-hide_banner", "-loglevel", "error", "-nostdin", "-i", url, "-frames:v", "50", "-f", "null", "-"];
        var players = await Task.WhenAll(
            ExternalProcess.RunAsync(ffmpeg, Decode($"http://127.0.0.1:{node2.HttpPort}/hls/{name}/index.m3u8"), PlayerLimit),
            ExternalProcess.RunAsync(ffmpeg, Decode($"http://127.0.0.1:{node3.HttpPort}/hls/{name}/index.m3u8"), PlayerLimit),
            ExternalProcess.RunAsync(ffmpeg, Decode(new Uri(nginx.Base, $"hls/{name}/index.m3u8").ToString()), PlayerLimit),
            ExternalProcess.RunAsync(ffmpeg, Decode($"rtmp://127.0.0.1:{node3.RtmpPort}/live/{name}"), PlayerLimit));
        foreach (var (player, via) in players.Zip(["HLS through node 2", "HLS through node 3", "HLS through nginx", "RTMP through node 3"]))
        {
            // Decoded cleanly: ffmpeg at -loglevel error prints nothing for a clean decode.
            Assert.True(player.ExitCode == 0 && player.StandardError.Trim().Length == 0, $"{via}: exit {player.ExitCode}: {player.Output}");
        }
        publisher.AssertRunning();

        // The same key on node 2 is refused: the name is live on node 1.
        await using (var second = await TestRtmpClient.ConnectAsync(node2.RtmpPort))
        {
            await second.HandshakeAsync();
            Assert.NotEqual(RtmpStatusCodes.PublishStart, (await second.PublishAsync(key)).Code);
        }
        await node2.WaitForOutputAsync($"publish of stream {name} refused: it is live on node node-1");
        publisher.AssertRunning();

        // Deleted through node 3: node 1 disconnects its publisher.
        Assert.Equal(HttpStatusCode.NoContent, (await api3.DeleteAsync($"/api/streams/{name}")).StatusCode);
        await node1.WaitForOutputAsync($"Stream {name} deleted on node node-3; its live publisher here was disconnected", Soon);
        await WaitForClusterAsync(api1, c => HolderOf(c, name) is null, Soon, $"releasing {name} after the delete");
    }

    private async Task KillTheOriginAsync(StreamHubProcess node1, StreamHubProcess node2, StreamHubProcess node3)
    {
        using var api2 = Api(node2);
        var (name, key) = await CreateStreamAsync(api2, "killed");
        var publisher = Publish(node1, key);
        await WaitForClusterAsync(api2, c => HolderOf(c, name) == "node-1", Soon, $"listing {name} on node-1");
        await WaitForPlaylistAsync(node1, name);

        // A player on each of the other nodes, pulling from node 1 (RTMP through node 3, HTTP-FLV through node 2).
        await using var rtmpOn3 = BackgroundProcess.Start("RTMP player on node 3", ExternalProcess.Require("ffmpeg", "ffmpeg"),
            ["-hide_banner", "-loglevel", "error", "-nostdin", "-i", $"rtmp://127.0.0.1:{node3.RtmpPort}/live/{name}", "-f", "null", "-"]);
        await using var flvOn2 = BackgroundProcess.Start("HTTP-FLV player on node 2", ExternalProcess.Require("ffmpeg", "ffmpeg"),
            ["-hide_banner", "-loglevel", "error", "-nostdin", "-i", $"http://127.0.0.1:{node2.HttpPort}/flv/{name}.flv", "-f", "null", "-"]);
        using var api3 = Api(node3);
        await WaitForClusterAsync(api3, c => c.TryGetProperty("relayed", out var r) && r.GetArrayLength() == 1, Soon, $"relaying {name}");
        await WaitForClusterAsync(api2, c => c.TryGetProperty("relayed", out var r) && r.GetArrayLength() == 1, Soon, $"relaying {name}");
        rtmpOn3.AssertRunning();
        flvOn2.AssertRunning();

        var killed = Stopwatch.StartNew();
        await node1.KillAsync();
        await publisher.DisposeAsync();
        await WaitForClusterAsync(api2, c => HolderOf(c, name) is null, TimeSpan.FromSeconds(ExpirySeconds + 5), $"releasing {name}");
        var released = killed.Elapsed;
        Assert.True(released < TimeSpan.FromSeconds(ExpirySeconds + 2), $"released after {released.TotalSeconds:0.0} s");
        foreach (var player in new[] { rtmpOn3, flvOn2 })
        {
            for (var deadline = Stopwatch.StartNew(); !player.HasExited && deadline.Elapsed < TimeSpan.FromSeconds(20);)
            {
                await Task.Delay(100);
            }
            Assert.True(player.HasExited, $"{player.Name} still playing 20 s after node 1 was killed");
        }
        output.WriteLine($"kill -9 of node-1: {name} released in {released.TotalSeconds:0.00} s; players on nodes 2 and 3 ended in {killed.Elapsed.TotalSeconds:0.00} s");

        // Now the name publishes on node 2.
        await using var onNode2 = await TestRtmpClient.ConnectAsync(node2.RtmpPort);
        await onNode2.HandshakeAsync();
        Assert.Equal(RtmpStatusCodes.PublishStart, (await onNode2.PublishAsync(key)).Code);
        await WaitForClusterAsync(api3, c => HolderOf(c, name) == "node-2", Soon, $"listing {name} on node-2");
    }

    /// <summary>Until the origin lists a finished segment of <paramref name="name"/> (bounded).</summary>
    private static async Task WaitForPlaylistAsync(StreamHubProcess node, string name)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var url = $"http://127.0.0.1:{node.HttpPort}/hls/{name}/index.m3u8";
        for (var deadline = Stopwatch.StartNew(); deadline.Elapsed < TimeSpan.FromSeconds(30);)
        {
            using var response = await http.GetAsync(url);
            if (response.StatusCode == HttpStatusCode.OK && (await response.Content.ReadAsStringAsync()).Contains("#EXTINF", StringComparison.Ordinal))
            {
                return;
            }
            await Task.Delay(200);
        }
        Assert.Fail($"{url} listed no segment within 30 s");
    }
}
