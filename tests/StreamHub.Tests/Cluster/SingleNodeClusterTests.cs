using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using StreamHub.Rtmp.Commands;
using StreamHub.Tests.Infrastructure;
using StreamHub.Tests.Rtmp;

namespace StreamHub.Tests.Cluster;

/// <summary>With SQLite the node stays alone: /api/cluster is its own view, and /metrics names it.</summary>
public sealed class SingleNodeClusterTests
{
    [Fact]
    public async Task Api_cluster_lists_the_one_node_and_its_live_stream_and_metrics_carry_the_node_id()
    {
        await using var host = StreamHubHost.Start(new Dictionary<string, string?>
        {
            ["StreamHub:Cluster:NodeId"] = "solo-1",
            ["StreamHub:Cluster:PublicUrls:0"] = "https://live.example.com",
        });
        var (name, key) = await host.CreateStreamAsync("solo");
        await using var publisher = await TestRtmpClient.ConnectAsync(host.RtmpPort);
        await publisher.HandshakeAsync();
        Assert.Equal(RtmpStatusCodes.PublishStart, (await publisher.PublishAsync(key)).Code);
        using var api = host.CreateHttpClient();

        var cluster = await api.GetFromJsonAsync<JsonElement>("/api/cluster");

        Assert.False(cluster.GetProperty("enabled").GetBoolean());
        Assert.Equal("solo-1", cluster.GetProperty("nodeId").GetString());
        var node = Assert.Single(cluster.GetProperty("nodes").EnumerateArray());
        Assert.Equal("solo-1", node.GetProperty("id").GetString());
        Assert.Equal("alive", node.GetProperty("health").GetString());
        Assert.Equal(["https://live.example.com"], node.GetProperty("publicUrls").EnumerateArray().Select(u => u.GetString()!).ToArray());
        Assert.Equal(1, node.GetProperty("streams").GetInt32());
        var stream = Assert.Single(cluster.GetProperty("streams").EnumerateArray());
        Assert.Equal(name, stream.GetProperty("name").GetString());
        Assert.Equal("solo-1", stream.GetProperty("node").GetString());

        var metrics = await api.GetStringAsync("/metrics");
        Assert.Contains("streamhub_node_info{node=\"solo-1\"} 1", metrics);
        Assert.DoesNotContain("streamhub_cluster_store_up", metrics);

        using var anonymous = host.CreateHttpClient(withAdminKey: false);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/cluster")).StatusCode);
    }
}
