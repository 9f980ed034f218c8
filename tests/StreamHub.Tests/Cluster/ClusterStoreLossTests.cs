using System.Net;
using StreamHub.Rtmp.Commands;
using StreamHub.Tests.Infrastructure;
using StreamHub.Tests.Rtmp;
using Xunit.Abstractions;
using static StreamHub.Tests.Cluster.ClusterTestKit;

namespace StreamHub.Tests.Cluster;

/// <summary>A node whose PostgreSQL goes away (stopped as a crash would stop it): the stream it has carries on and
/// plays, a new publish is refused with NetStream.Publish.Failed and a log line that says why, /api/cluster and
/// /readyz show the store unreachable, and once the database is back a publish is accepted again. A PostgreSQL of
/// its own: the shared one must stay up for the other classes.</summary>
public sealed class ClusterStoreLossTests(PostgresServer postgres, ITestOutputHelper output) : IClassFixture<PostgresServer>
{
    [Fact]
    public async Task A_node_that_loses_the_store_keeps_its_stream_refuses_new_publishes_and_recovers()
    {
        var database = await postgres.CreateDatabaseAsync("storeloss");
        await using var node = await StartNodeAsync(database, "node-a");
        using var api = Api(node);
        var (live, liveKey) = await CreateStreamAsync(api, "kept");
        var (later, laterKey) = await CreateStreamAsync(api, "later");
        await using var publisher = Publish(node, liveKey);
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{node.HttpPort}/"), Timeout = TimeSpan.FromSeconds(10) };
        var before = await WaitForNewPlaylistAsync(http, live, previous: null);

        await postgres.StopImmediatelyAsync();

        // A new publish: refused with Publish.Failed, and the log says the store is unreachable.
        await using (var refused = await TestRtmpClient.ConnectAsync(node.RtmpPort))
        {
            await refused.HandshakeAsync();
            Assert.Equal(RtmpStatusCodes.PublishFailed, (await refused.PublishAsync(laterKey)).Code);
        }
        await node.WaitForOutputAsync("publish refused: the stream store is unreachable");
        var cluster = await WaitForClusterAsync(api, c => !c.GetProperty("store").GetProperty("reachable").GetBoolean(), TimeSpan.FromSeconds(10),
            "showing the store unreachable");
        Assert.False(string.IsNullOrEmpty(cluster.GetProperty("store").GetProperty("error").GetString()), cluster.ToString());
        Assert.Equal("node-a", HolderOf(cluster, live)); // its own view: what it still serves
        using (var ready = await http.GetAsync("/readyz"))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        }

        // The live stream carries on: its publisher is connected and the playlist keeps moving.
        publisher.AssertRunning();
        await WaitForNewPlaylistAsync(http, live, before);

        await postgres.StartAgainAsync();
        var restarted = System.Diagnostics.Stopwatch.StartNew();

        // Back: a publish is accepted within a bounded wait (the next heartbeat or the first query finds the store).
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        string? code;
        do
        {
            await using var retry = await TestRtmpClient.ConnectAsync(node.RtmpPort);
            await retry.HandshakeAsync();
            code = (await retry.PublishAsync(laterKey)).Code;
            if (code == RtmpStatusCodes.PublishStart)
            {
                break;
            }
            await Task.Delay(250);
        }
        while (DateTime.UtcNow < deadline);
        Assert.Equal(RtmpStatusCodes.PublishStart, code);
        output.WriteLine($"publish accepted {restarted.Elapsed.TotalSeconds:0.00} s after PostgreSQL was started again");
        cluster = await WaitForClusterAsync(api, c => c.GetProperty("store").GetProperty("reachable").GetBoolean() && HolderOf(c, live) == "node-a",
            TimeSpan.FromSeconds(10), "showing the store reachable and the live stream on node-a again");
        publisher.AssertRunning();
        await node.WaitForOutputAsync("Cluster store reachable again");
        using var readyAgain = await http.GetAsync("/readyz");
        Assert.Equal(HttpStatusCode.OK, readyAgain.StatusCode);
    }

    /// <summary>Waits (bounded) for the stream's playlist to end in another segment than <paramref name="previous"/>
    /// (the last segment's URI): the stream is being packaged.</summary>
    private static async Task<string> WaitForNewPlaylistAsync(HttpClient http, string name, string? previous)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        var last = "";
        while (DateTime.UtcNow < deadline)
        {
            using var response = await http.GetAsync($"/hls/{name}/index.m3u8");
            if (response.StatusCode == HttpStatusCode.OK)
            {
                last = await response.Content.ReadAsStringAsync();
                var segment = last.Split('\n').LastOrDefault(l => l.Length > 0 && !l.StartsWith('#'));
                if (segment is not null && segment != previous)
                {
                    return segment;
                }
            }
            await Task.Delay(250);
        }
        Assert.Fail($"the playlist of {name} did not move within 20 s; last:\n{last}");
        return last;
    }
}
