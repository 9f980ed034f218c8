using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using StreamHub.Cluster;
using StreamHub.Hls;
using StreamHub.Live;
using StreamHub.Playback;
using StreamHub.StreamKeys;
using StreamHub.Tests.Infrastructure;

namespace StreamHub.Tests.Cluster;

/// <summary>A node's heartbeat writes the names it serves and deletes its other placements. A publish whose claim is
/// written while a beat is under way (the beat read the served names just before the claim began) must keep its
/// placement: were the beat to delete it, the new stream would look live nowhere until the next beat, so edges refuse
/// its players and another node may claim the same name. One node in this process, on PostgreSQL.</summary>
[Collection(PostgresCollection.Name)]
public sealed class ClusterClaimRaceTests(PostgresServer postgres)
{
    [Fact]
    public async Task A_claim_written_while_the_node_beats_keeps_its_placement()
    {
        var connection = await postgres.CreateDatabaseAsync("claimrace");
        await using (var db = PostgresServer.Context(connection))
        {
            await db.Database.MigrateAsync();
        }
        var time = TimeProvider.System;
        var live = new LiveStreamRegistry([], time);
        await using var node = new ClusterNode(
            Options.Create(new ClusterOptions { Enabled = true, NodeId = "node-a", PublicUrls = ["rtmp://127.0.0.1:1"] }),
            Options.Create(new DatabaseOptions { Provider = DatabaseOptions.PostgresProvider, ConnectionString = connection }),
            live, new HlsViewers(Options.Create(new HlsOptions()), time), new PlayerRegistry(time, NullLogger<PlayerRegistry>.Instance, live),
            time, NullLogger<ClusterNode>.Instance);
        await node.HeartbeatAsync(CancellationToken.None);

        for (var i = 0; i < 40; i++)
        {
            var name = $"race-{i}";
            // The beat reads what is served (not this name yet) and goes to the store; the claim follows at once.
            var beat = node.HeartbeatAsync(CancellationToken.None);
            var claim = await node.ClaimAsync(name, CancellationToken.None);
            await beat;
            Assert.True(claim.Claimed);
            var placements = await node.Store!.PlacementsAsync(CancellationToken.None);
            Assert.True(placements.TryGetValue(name, out var placement) && placement.Node == "node-a",
                $"the claim of {name} (round {i}) was deleted by the beat under way as it was written");
            // Never published: the next beat lets it go.
            node.EndClaim(name);
        }
        await node.HeartbeatAsync(CancellationToken.None);
        Assert.Empty(await node.Store!.PlacementsAsync(CancellationToken.None));
    }
}
