using StreamHub.Tests.Infrastructure;
using static StreamHub.Tests.Cluster.ClusterTestKit;

namespace StreamHub.Tests.Cluster;

/// <summary>A node id names one process. A second StreamHub process started with the id of a node that is running
/// (what the default, the host name, gives two processes on one host) stops at start with exit code 2 naming
/// StreamHub:Cluster:NodeId, and the running node carries on; a node killed with SIGKILL and started again at once
/// (its row still current) takes its id back once that row stops beating.</summary>
[Collection(PostgresCollection.Name)]
public sealed class ClusterNodeIdTests(PostgresServer postgres)
{
    [Fact]
    public async Task A_second_process_with_a_running_nodes_id_stops_at_start_naming_the_setting()
    {
        var database = await postgres.CreateDatabaseAsync("nodeid");
        await using var first = await StartNodeAsync(database, "shared-id");
        using var api = Api(first);

        var before = await WaitForClusterAsync(api, c => IsAlive(c, "shared-id"), TimeSpan.FromSeconds(10), "showing shared-id alive");
        var startedAt = NodeOf(before, "shared-id")!.Value.GetProperty("startedAt").GetDateTimeOffset();

        // Ports and a data directory of its own; the database and the node id are the first node's.
        var settings = StreamHubProcess.WithFreshPorts(first.Settings);
        settings["StreamHub__DataDirectory"] = Directory.CreateTempSubdirectory("streamhub-proc-").FullName;
        await using var second = StreamHubProcess.Start(settings);

        Assert.Equal(2, await second.WaitForExitAsync(StreamHubProcess.StartTimeout));
        Assert.Contains("StreamHub:Cluster:NodeId 'shared-id' is in use by another running StreamHub process", second.Output);
        Assert.False(first.HasExited);
        // The first node's row is still its own (the second never wrote its start time there) and current.
        var after = await WaitForClusterAsync(api, c => IsAlive(c, "shared-id"), TimeSpan.FromSeconds(10), "showing shared-id alive");
        Assert.Single(after.GetProperty("nodes").EnumerateArray());
        Assert.Equal(startedAt, NodeOf(after, "shared-id")!.Value.GetProperty("startedAt").GetDateTimeOffset());
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{first.HttpPort}/") };
        using var ready = await http.GetAsync("/readyz");
        Assert.True(ready.IsSuccessStatusCode, await ready.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_node_killed_and_started_again_at_once_takes_its_id_back()
    {
        var database = await postgres.CreateDatabaseAsync("nodeidrestart");
        // A long expiry, so the killed node's row is still current whatever the new process takes to start.
        (string, string) expiry = ("StreamHub__Cluster__HeartbeatExpirySeconds", "15");
        var first = await StartNodeAsync(database, "restarted-id", expiry);
        DateTimeOffset startedAt;
        await using (first)
        {
            using var firstApi = Api(first);
            var cluster = await WaitForClusterAsync(firstApi, c => IsAlive(c, "restarted-id"), TimeSpan.FromSeconds(10), "showing restarted-id alive");
            startedAt = NodeOf(cluster, "restarted-id")!.Value.GetProperty("startedAt").GetDateTimeOffset();
            await first.KillAsync();
        }

        // Its row stays current for up to the expiry after the kill: the new process waits for it to stop beating.
        await using var again = await StartNodeAsync(database, "restarted-id", expiry);
        Assert.Contains("has a current heartbeat from another process", again.Output);
        using var api = Api(again);
        var taken = await WaitForClusterAsync(api, c => IsAlive(c, "restarted-id"), TimeSpan.FromSeconds(10), "showing restarted-id alive");
        Assert.NotEqual(startedAt, NodeOf(taken, "restarted-id")!.Value.GetProperty("startedAt").GetDateTimeOffset());
    }

    private static bool IsAlive(System.Text.Json.JsonElement cluster, string id) =>
        NodeOf(cluster, id) is { } node && node.GetProperty("health").GetString() == "alive";
}
