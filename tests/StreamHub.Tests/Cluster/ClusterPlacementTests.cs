using System.Diagnostics;
using System.Net;
using Microsoft.Playwright;
using StreamHub.Rtmp.Commands;
using StreamHub.StreamKeys;
using StreamHub.Tests.Infrastructure;
using StreamHub.Tests.Rtmp;
using Xunit.Abstractions;
using static StreamHub.Tests.Cluster.ClusterTestKit;

namespace StreamHub.Tests.Cluster;

/// <summary>Two StreamHub processes on one PostgreSQL database: a name live on one node is refused on the other, the
/// cluster API of either shows who holds it, a node killed with SIGKILL releases its streams within the heartbeat
/// expiry, and a key changed through one node applies at once on the node where the stream is live. The dashboard's
/// Cluster panel (Chromium) shows what /api/cluster says.</summary>
[Collection(PostgresCollection.Name)]
public sealed class ClusterPlacementTests(PostgresServer postgres, ITestOutputHelper output)
{
    [Fact]
    public async Task A_name_live_on_one_node_is_refused_on_the_other_until_that_node_dies()
    {
        var database = await postgres.CreateDatabaseAsync("cluster");
        await using var nodeA = await StartNodeAsync(database, "node-a");
        await using var nodeB = await StartNodeAsync(database, "node-b");
        using var apiA = Api(nodeA);
        using var apiB = Api(nodeB);
        var (name, key) = await CreateStreamAsync(apiA, "placed");

        await using var publisher = Publish(nodeA, key);
        // The placement is claimed as the publish starts; the node's load (its stream count) follows with its next heartbeat.
        await WaitForClusterAsync(apiB, c => HolderOf(c, name) == "node-a" && NodeOf(c, "node-a")?.GetProperty("streams").GetInt32() == 1,
            Soon, $"listing {name} on node-a, with one stream");

        // The same key on node B: ffmpeg is refused and gives up; B's log names the node that holds the stream.
        var refused = await ExternalProcess.RunAsync(ExternalProcess.Require("ffmpeg", "ffmpeg"),
            ["-hide_banner", "-loglevel", "warning", "-nostdin", "-re", "-i", Restream.RestreamTestKit.Clip(), "-t", "5", "-c", "copy", "-f", "flv",
                $"rtmp://127.0.0.1:{nodeB.RtmpPort}/live/{key}"], TimeSpan.FromSeconds(30));
        Assert.NotEqual(0, refused.ExitCode);
        await nodeB.WaitForOutputAsync($"publish of stream {name} refused: it is live on node node-a");
        publisher.AssertRunning();

        // Either node's view: both alive with their URLs and load, the stream on A.
        var cluster = await ClusterAsync(apiB);
        Assert.True(cluster.GetProperty("enabled").GetBoolean());
        Assert.Equal("node-b", cluster.GetProperty("nodeId").GetString());
        Assert.True(cluster.GetProperty("store").GetProperty("reachable").GetBoolean());
        var a = NodeOf(cluster, "node-a") ?? throw new Xunit.Sdk.XunitException($"node-a missing: {cluster}");
        Assert.Equal("alive", a.GetProperty("health").GetString());
        Assert.Contains($"rtmp://127.0.0.1:{nodeA.RtmpPort}", a.GetProperty("publicUrls").EnumerateArray().Select(u => u.GetString()));
        Assert.Equal(1, a.GetProperty("streams").GetInt32());
        Assert.True(a.GetProperty("lastHeartbeatAgeSeconds").GetDouble() < ExpirySeconds, a.ToString());
        Assert.Equal("alive", NodeOf(cluster, "node-b")!.Value.GetProperty("health").GetString());
        Assert.Equal(0, NodeOf(cluster, "node-b")!.Value.GetProperty("streams").GetInt32());

        // B's dashboard shows the same in its Cluster panel.
        await using var browser = await Browser.LaunchAsync();
        var page = await OpenDashboardAsync(browser.Instance, nodeB);
        var rowA = page.Locator("#cluster-nodes tr[data-node='node-a']");
        await Assertions.Expect(rowA.Locator("[data-label='Health']")).ToHaveTextAsync("alive");
        await Assertions.Expect(rowA.Locator("[data-label='Live here']")).ToHaveTextAsync(name);
        await Assertions.Expect(page.Locator("#cluster-nodes tr[data-node='node-b'] th")).ToHaveTextAsync("node-b (this node)");

        // kill -9 node A: no unpublish, no goodbye. Its heartbeat stops; within the expiry (plus a beat) B lets the
        // name go and shows A expired.
        var killed = Stopwatch.StartNew();
        await nodeA.KillAsync();
        cluster = await WaitForClusterAsync(apiB, c => HolderOf(c, name) is null, TimeSpan.FromSeconds(ExpirySeconds + 5), $"releasing {name}");
        var released = killed.Elapsed;
        output.WriteLine($"kill -9 of node-a to {name} released in node-b's /api/cluster: {released.TotalSeconds:0.00} s (expiry {ExpirySeconds} s, interval {IntervalSeconds} s)");
        Assert.Equal("expired", NodeOf(cluster, "node-a")!.Value.GetProperty("health").GetString());
        Assert.True(released < TimeSpan.FromSeconds(ExpirySeconds + 2), $"released after {released.TotalSeconds:0.0} s");

        await Assertions.Expect(rowA.Locator("[data-label='Health']")).ToHaveTextAsync("expired");

        // Now the key publishes on B.
        await using var onB = await TestRtmpClient.ConnectAsync(nodeB.RtmpPort);
        await onB.HandshakeAsync();
        Assert.Equal(RtmpStatusCodes.PublishStart, (await onB.PublishAsync(key)).Code);
        await WaitForClusterAsync(apiB, c => HolderOf(c, name) == "node-b", Soon, $"listing {name} on node-b");
    }

    [Fact]
    public async Task A_key_rotated_expired_or_deleted_through_one_node_disconnects_the_publisher_on_the_other()
    {
        var database = await postgres.CreateDatabaseAsync("clusterkeys");
        // The test's publishers send nothing after publish: the idle timeout must not be what closes them.
        await using var nodeA = await StartNodeAsync(database, "node-a", ("StreamHub__Rtmp__IdleTimeoutSeconds", "60"));
        await using var nodeB = await StartNodeAsync(database, "node-b");
        using var apiA = Api(nodeA);
        using var apiB = Api(nodeB);
        var (name, key) = await CreateStreamAsync(apiA, "keyed");

        await using (var publisher = await TestRtmpClient.ConnectAsync(nodeA.RtmpPort))
        {
            await publisher.HandshakeAsync();
            Assert.Equal(RtmpStatusCodes.PublishStart, (await publisher.PublishAsync(key)).Code);

            var rotated = await apiB.PostAsync($"/api/streams/{name}/rotate-key", null);

            Assert.Equal(HttpStatusCode.OK, rotated.StatusCode);
            key = (await System.Net.Http.Json.HttpContentJsonExtensions.ReadFromJsonAsync<System.Text.Json.JsonElement>(rotated.Content))
                .GetProperty("key").GetString()!;
            Assert.True(await publisher.WaitForCloseAsync(TimeSpan.FromSeconds(5)), "the publisher on node A with the rotated key is still connected");
            await nodeA.WaitForOutputAsync($"Stream {name} key rotated on node node-b; its live publisher here was disconnected");
        }

        await WaitForClusterAsync(apiB, c => HolderOf(c, name) is null, Soon, $"releasing {name} after the rotation");
        await using (var expiring = await TestRtmpClient.ConnectAsync(nodeA.RtmpPort))
        {
            await expiring.HandshakeAsync();
            Assert.Equal(RtmpStatusCodes.PublishStart, (await expiring.PublishAsync(key)).Code);
            await Task.Delay(StreamKeyExpiryWatch.Interval * 1.5);

            // An expiry set through node B, 3 s on: node A's watch reads it again on B's notice, not a minute later.
            var patched = await System.Net.Http.Json.HttpClientJsonExtensions.PatchAsJsonAsync(apiB, $"/api/streams/{name}",
                new { expiresAt = DateTimeOffset.UtcNow.AddSeconds(3) });

            Assert.Equal(HttpStatusCode.OK, patched.StatusCode);
            await nodeA.WaitForOutputAsync($"Stream {name} key expired; the live publisher was disconnected", TimeSpan.FromSeconds(15));
            Assert.True(await expiring.WaitForCloseAsync(TimeSpan.FromSeconds(5)), "the publisher on node A of the expired key is still connected");
        }

        await WaitForClusterAsync(apiB, c => HolderOf(c, name) is null, Soon, $"releasing {name} after the expiry");
        var cleared = await System.Net.Http.Json.HttpClientJsonExtensions.PatchAsJsonAsync(apiB, $"/api/streams/{name}", new { clearExpiry = true });
        Assert.Equal(HttpStatusCode.OK, cleared.StatusCode);
        await using var again = await TestRtmpClient.ConnectAsync(nodeA.RtmpPort);
        await again.HandshakeAsync();
        Assert.Equal(RtmpStatusCodes.PublishStart, (await again.PublishAsync(key)).Code);

        var deleted = await apiB.DeleteAsync($"/api/streams/{name}");

        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        Assert.True(await again.WaitForCloseAsync(TimeSpan.FromSeconds(5)), "the publisher on node A of the deleted stream is still connected");
        await nodeA.WaitForOutputAsync($"Stream {name} deleted on node node-b; its live publisher here was disconnected");
        await WaitForClusterAsync(apiA, c => HolderOf(c, name) is null, Soon, $"releasing {name} after the delete");
    }

    [Fact]
    public async Task A_stream_deleted_while_its_node_is_not_listening_has_its_publisher_disconnected_once_the_node_listens_again()
    {
        var database = await postgres.CreateDatabaseAsync("clustermissed");
        await using var nodeA = await StartNodeAsync(database, "node-a");
        await using var nodeB = await StartNodeAsync(database, "node-b");
        using var apiA = Api(nodeA);
        using var apiB = Api(nodeB);
        var (name, key) = await CreateStreamAsync(apiA, "missed");
        await using var publisher = await TestRtmpClient.ConnectAsync(nodeA.RtmpPort);
        await publisher.HandshakeAsync();
        Assert.Equal(RtmpStatusCodes.PublishStart, (await publisher.PublishAsync(key)).Code);
        var listener = await ListenerBackendAsync(database, "node-a", Soon);

        // Node A frozen (SIGSTOP) while its LISTEN connection is cut, so it cannot listen again before the delete:
        // the notice goes to no backend of A's, and A must find the change in the store when it listens again.
        Assert.Equal(0, (await ExternalProcess.RunAsync("/bin/kill", ["-STOP", nodeA.ProcessId.ToString()], Soon)).ExitCode);
        try
        {
            await SqlAsync(database, $"SELECT pg_terminate_backend({listener})");
            var deadline = DateTime.UtcNow + Soon;
            while (await SqlAsync(database, $"SELECT count(*) FROM pg_stat_activity WHERE pid = {listener}") is not 0L)
            {
                Assert.True(DateTime.UtcNow < deadline, $"backend {listener} still there {Soon.TotalSeconds} s after pg_terminate_backend");
                await Task.Delay(50);
            }
            Assert.Equal(HttpStatusCode.NoContent, (await apiB.DeleteAsync($"/api/streams/{name}")).StatusCode);
            Assert.Null(await ListenerBackendAsync(database, "node-a", TimeSpan.Zero));
        }
        finally
        {
            await ExternalProcess.RunAsync("/bin/kill", ["-CONT", nodeA.ProcessId.ToString()], Soon);
        }

        Assert.True(await publisher.WaitForCloseAsync(Soon), "the publisher of the stream deleted while node A was not listening is still connected");
        await nodeA.WaitForOutputAsync("Cluster key-change listener lost its connection");
        await nodeA.WaitForOutputAsync($"Stream {name} changed while this node was not listening for key changes (it was deleted); its live publisher here was disconnected");
        await WaitForClusterAsync(apiB, c => HolderOf(c, name) is null, Soon, $"releasing {name} after the delete");
    }

    /// <summary>The backend of <paramref name="node"/>'s LISTEN connection (its connections carry the node's id as
    /// their application name); waits up to <paramref name="timeout"/> for one, null when there is none by then.</summary>
    private static async Task<int?> ListenerBackendAsync(string database, string node, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (await SqlAsync(database, $"SELECT pid FROM pg_stat_activity WHERE application_name = 'StreamHub {node}' AND query LIKE 'LISTEN %'")
                is int pid)
            {
                return pid;
            }
            if (DateTime.UtcNow >= deadline)
            {
                return timeout == TimeSpan.Zero ? null : throw new Xunit.Sdk.XunitException($"{node} has no LISTEN connection after {timeout.TotalSeconds} s");
            }
            await Task.Delay(100);
        }
    }

    private static async Task<object?> SqlAsync(string database, string sql)
    {
        await using var connection = new Npgsql.NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand(sql, connection);
        return await command.ExecuteScalarAsync();
    }
}
