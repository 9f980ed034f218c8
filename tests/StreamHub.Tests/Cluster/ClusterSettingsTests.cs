using StreamHub.Tests.Infrastructure;

namespace StreamHub.Tests.Cluster;

/// <summary>Cluster settings that cannot work stop the process at start, naming the setting.</summary>
public sealed class ClusterSettingsTests
{
    [Theory]
    [InlineData("Enabled", "true", "StreamHub:Cluster:Enabled is true but StreamHub:Database:Provider is not Postgres")]
    [InlineData("NodeId", "node a/1", "StreamHub:Cluster:NodeId 'node a/1' must be")]
    [InlineData("PublicUrls__0", "ftp://example.com", "StreamHub:Cluster:PublicUrls entry 'ftp://example.com'")]
    [InlineData("PlaybackMode", "Mirror", "StreamHub:Cluster:PlaybackMode 'Mirror' must be Proxy, Redirect or Local")]
    [InlineData("EdgeCacheMegabytes", "8", "StreamHub:Cluster:EdgeCacheMegabytes must be between 16 and 65536")]
    [InlineData("EdgeOriginTimeoutSeconds", "0", "StreamHub:Cluster:EdgeOriginTimeoutSeconds must be between 1 and 600")]
    [InlineData("EdgePullLingerSeconds", "-1", "StreamHub:Cluster:EdgePullLingerSeconds must be between 0 and 3600")]
    [InlineData("HeartbeatIntervalSeconds", "0", "StreamHub:Cluster:HeartbeatIntervalSeconds must be between")]
    [InlineData("HeartbeatExpirySeconds", "3", "StreamHub:Cluster:HeartbeatExpirySeconds must be at least twice HeartbeatIntervalSeconds")]
    public async Task A_bad_cluster_setting_stops_startup_naming_it(string setting, string value, string message)
    {
        var settings = StreamHubProcess.DefaultSettings();
        settings[$"StreamHub__Cluster__{setting}"] = value;
        await using var server = StreamHubProcess.Start(settings);

        Assert.Equal(2, await server.WaitForExitAsync(StreamHubProcess.StartTimeout));
        Assert.Contains(message, server.Output);
    }
}
