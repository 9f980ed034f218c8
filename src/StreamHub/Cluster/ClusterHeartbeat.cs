using StreamHub.Live;

namespace StreamHub.Cluster;

/// <summary>Writes this node's heartbeat every <see cref="ClusterOptions.HeartbeatInterval"/>: its row and load, the
/// release of expired nodes' streams, and this node's own placements made to match what is live here. A node that
/// finds it had expired (it could not reach the store for a while) thereby re-claims what it still serves; a name
/// another node took meanwhile is that node's now, and the publisher here is disconnected. A failed beat marks the
/// store unreachable and is tried again on the next tick.</summary>
public sealed class ClusterHeartbeat(ClusterNode node, LiveStreamRegistry live, TimeProvider time, ILogger<ClusterHeartbeat> logger)
    : BackgroundService
{
    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        if (node.Store is null)
        {
            return;
        }
        ClusterLog.Joined(logger, node.NodeId, node.Options.HeartbeatIntervalSeconds, node.Options.HeartbeatExpirySeconds,
            node.Options.ResolvedPublicUrls.Count == 0 ? "none" : string.Join(' ', node.Options.ResolvedPublicUrls));
        // The first beat before the listeners open: a publish then finds this node registered.
        await BeatAsync(first: true, cancellationToken);
        await base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(node.Options.HeartbeatInterval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                await BeatAsync(first: false, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task BeatAsync(bool first, CancellationToken cancellationToken)
    {
        try
        {
            var served = node.ServedNames();
            // Bounded by the interval: a store that hangs must not hold the next beat back for long.
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(node.Options.HeartbeatExpiry);
            var outcome = await node.Store!.HeartbeatAsync(node.StartedAt, node.MeasureLoad(), served, timeout.Token);
            node.ReportStoreReachable();
            if (!outcome.WasAlive && !first)
            {
                ClusterLog.Reregistered(logger, node.NodeId, served.Count);
            }
            foreach (var taken in outcome.HeldElsewhere)
            {
                if (live.Find(taken.Name) is { Stopped.IsCancellationRequested: false } stream)
                {
                    stream.Stop();
                    ClusterLog.LostToOtherNode(logger, taken.Name, taken.NodeId);
                }
            }
        }
        catch (Exception ex) when (StoreFailure.Is(ex) || ex is OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            node.ReportStoreFailure(ex is OperationCanceledException ? new TimeoutException("the heartbeat took longer than the expiry") : ex);
        }
    }
}
