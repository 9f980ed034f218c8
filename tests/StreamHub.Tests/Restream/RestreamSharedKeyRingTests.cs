using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Npgsql;
using StreamHub.Restream;
using StreamHub.Tests.Infrastructure;
using static StreamHub.Tests.Restream.RestreamTestKit;

namespace StreamHub.Tests.Restream;

/// <summary>The Data Protection key ring in the PostgreSQL database: two StreamHub processes on one database decrypt
/// each other's restream keys; the ring survives restarts and nothing of it is on a node's disk.</summary>
[Collection(PostgresCollection.Name)]
public sealed class RestreamSharedKeyRingTests(PostgresServer server)
{
    private static readonly TimeSpan Soon = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task A_target_created_through_one_node_is_decrypted_and_pushed_by_the_other()
    {
        var connectionString = await server.CreateDatabaseAsync("nodes");
        // Both started at once on the empty database: they migrate it and settle on one key between them.
        await using var node1 = StreamHubProcess.Start(NodeSettings(connectionString, "node-1"));
        await using var node2 = StreamHubProcess.Start(NodeSettings(connectionString, "node-2"));
        await Task.WhenAll(node1.WaitUntilReadyAsync(), node2.WaitUntilReadyAsync());
        using var api1 = Api(node1);
        using var api2 = Api(node2);

        // Node 1 holds the destination; the source stream and its target (the destination's key, encrypted) are made
        // through node 1 too.
        var (destination, destinationKey) = await CreateStreamAsync(api1, "kr-dest");
        var (source, sourceKey) = await CreateStreamAsync(api1, "kr-src");
        var created = await api1.PostAsJsonAsync($"/api/streams/{source}/targets",
            new { name = "node1", url = $"rtmp://127.0.0.1:{node1.RtmpPort}/live", key = destinationKey });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);

        // The key ring is in the database, one key for both nodes, and in neither data directory.
        await using (var connection = new NpgsqlConnection(connectionString))
        {
            await connection.OpenAsync();
            await using var count = new NpgsqlCommand("SELECT count(*) FROM data_protection_keys", connection);
            Assert.Equal(1L, (long)(await count.ExecuteScalarAsync())!);
            await using var secret = new NpgsqlCommand("SELECT count(*) FROM restream_targets WHERE position(convert_to(@key, 'UTF8') in protected_key) > 0", connection);
            secret.Parameters.AddWithValue("key", destinationKey);
            Assert.Equal(0L, (long)(await secret.ExecuteScalarAsync())!);
        }
        foreach (var node in new[] { node1, node2 })
        {
            Assert.False(Directory.Exists(Path.Combine(node.DataDirectory, RestreamTargetExtensions.KeyRingFolder)), node.DataDirectory);
        }

        // Node 2 reads the key (the API says it is readable) ...
        var target = await api2.GetFromJsonAsync<JsonElement>($"/api/streams/{source}/targets/node1");
        Assert.False(target.GetProperty("keyUnreadable").GetBoolean(), target.ToString());

        // ... and uses it: published to node 2 with the source's key (the keys are shared too), node 2 pushes to node 1
        // with the decrypted destination key, and the destination goes live on node 1.
        var publish = PublishAsync($"rtmp://127.0.0.1:{node2.RtmpPort}/live/{sourceKey}", 10);
        var deadline = DateTime.UtcNow + Soon;
        JsonElement live = default;
        while (DateTime.UtcNow < deadline && publish.IsCompleted is false)
        {
            live = await api1.GetFromJsonAsync<JsonElement>($"/api/streams/{destination}");
            if (live.GetProperty("isLive").GetBoolean())
            {
                break;
            }
            await Task.Delay(200);
        }
        Assert.True(live.ValueKind == JsonValueKind.Object && live.GetProperty("isLive").GetBoolean(),
            $"the destination never went live on node 1.\nnode 2:\n{node2.Output}\nnode 1:\n{node1.Output}");
        // Node 1 lists the stream as live as it accepts the publish; node 2 calls its push live once it has read that
        // answer, a moment later.
        var pushed = await api2.GetFromJsonAsync<JsonElement>($"/api/streams/{source}/targets/node1");
        while (pushed.GetProperty("state").GetString() != "live" && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
            pushed = await api2.GetFromJsonAsync<JsonElement>($"/api/streams/{source}/targets/node1");
        }
        Assert.Equal("live", pushed.GetProperty("state").GetString());
        var published = await publish;
        Assert.True(published.ExitCode == 0, published.Output);
        Assert.DoesNotContain(destinationKey, node1.Output + node2.Output);
    }

    [Fact]
    public async Task Keys_stay_readable_across_a_restart_and_an_emptied_key_ring_table_asks_for_the_key_again()
    {
        const string Key = "abcd-efgh-ijkl-mnop-qrst";
        var connectionString = await server.CreateDatabaseAsync("ring");
        var settings = PostgresHostFixture.Settings(connectionString);
        string stream;
        await using (var first = StreamHubHost.Start(settings))
        {
            (stream, _) = await first.CreateStreamAsync("ring");
            using var client = first.CreateHttpClient();
            var created = await client.PostAsJsonAsync($"/api/streams/{stream}/targets", new { name = "youtube", url = "rtmp://a.rtmp.youtube.com/live2", key = Key });
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        }
        // A new data directory: with PostgreSQL nothing the key needs is on the node's disk.
        await using (var restarted = StreamHubHost.Start(settings))
        {
            Assert.Equal(Key, (await restarted.GetService<IRestreamTargetStore>().ForStreamAsync(stream, default)).Single().Key);
        }

        await using (var connection = new NpgsqlConnection(connectionString))
        {
            await connection.OpenAsync();
            await using var delete = new NpgsqlCommand("DELETE FROM data_protection_keys", connection);
            Assert.Equal(1, await delete.ExecuteNonQueryAsync());
        }
        await using var afterLoss = StreamHubHost.Start(settings);
        using var http = afterLoss.CreateHttpClient();
        var target = await http.GetFromJsonAsync<JsonElement>($"/api/streams/{stream}/targets/youtube");
        Assert.True(target.GetProperty("keyUnreadable").GetBoolean());
        Assert.Contains("enter the key again", target.GetProperty("lastError").GetString());
        Assert.Empty(await afterLoss.GetService<IRestreamTargetStore>().ForStreamAsync(stream, default));

        var repaired = await http.PatchAsync($"/api/streams/{stream}/targets/youtube", JsonContent.Create(new { key = Key + "-new" }));
        Assert.Equal(HttpStatusCode.OK, repaired.StatusCode);
        Assert.False((await repaired.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("keyUnreadable").GetBoolean());
        Assert.Equal(Key + "-new", (await afterLoss.GetService<IRestreamTargetStore>().ForStreamAsync(stream, default)).Single().Key);
    }

    /// <summary>A node of its own id: processes on one host would otherwise share the default (the host name).</summary>
    private Dictionary<string, string?> NodeSettings(string connectionString, string nodeId)
    {
        var settings = StreamHubProcess.DefaultSettings();
        settings["StreamHub__Cluster__NodeId"] = nodeId;
        settings["StreamHub__Admin__ApiKey"] = StreamHubHost.AdminKey;
        settings["StreamHub__Database__Provider"] = "Postgres";
        settings["StreamHub__Database__ConnectionString"] = connectionString;
        settings["StreamHub__Restream__ConnectTimeoutSeconds"] = "2";
        return settings;
    }

    private static HttpClient Api(StreamHubProcess node)
    {
        var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{node.HttpPort}/"), Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Add("X-Api-Key", StreamHubHost.AdminKey);
        return client;
    }

    private static async Task<(string Name, string Key)> CreateStreamAsync(HttpClient api, string prefix)
    {
        var name = UniqueNames.Stream(prefix);
        var response = await api.PostAsJsonAsync("/api/streams", new { name });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (name, (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("key").GetString()!);
    }
}
