using Microsoft.Extensions.Options;
using StreamHub.Live;

namespace StreamHub.Cluster;

/// <summary>Writes this node's heartbeat every <see cref="ClusterOptions.HeartbeatInterval"/>: its row and load, the
/// release of expired nodes' streams, and this node's own placements made to match what is live here. A node that
/// finds it had expired (it could not reach the store for a while) thereby re-claims what it still serves; a name
/// another node took meanwhile is that node's now, and the publisher here is disconnected. A failed beat marks the
/// store unreachable and is tried again on the next tick.
/// A node id names one process: when the first beat finds the id's row written by another process start whose
/// heartbeat is current, this one waits for that process's next beat; if it comes, start-up stops naming
/// <c>StreamHub:Cluster:NodeId</c> (two processes on one host share the default, the host name); if the row expires
/// instead (a process that was killed or is restarting), this one takes the id over.</summary>
public sealed class ClusterHeartbeat(ClusterNode node, LiveStreamRegistry live, TimeProvider time, ILogger<ClusterHeartbeat> logger)
    : BackgroundService
{
    private bool _warnedIdHeld;

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        if (node.Store is null)
        {
            return;
        }
        ClusterLog.Joined(logger, node.NodeId, node.Options.HeartbeatIntervalSeconds, node.Options.HeartbeatExpirySeconds,
            node.Options.ResolvedPublicUrls.Count == 0 ? "none" : string.Join(' ', node.Options.ResolvedPublicUrls));
        // The first beat before the listeners open: a publish then finds this node registered.
        await RegisterAsync(cancellationToken);
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

    private async Task RegisterAsync(CancellationToken cancellationToken)
    {
        if (await BeatAsync(first: true, cancellationToken) is not { } holder)
        {
            return;
        }
        ClusterLog.NodeIdHeld(logger, node.NodeId, holder.InstanceId, node.Options.HeartbeatExpirySeconds);
        var previous = holder;
        while (true)
        {
            await Task.Delay(node.Options.HeartbeatInterval, time, cancellationToken);
            if (await BeatAsync(first: true, cancellationToken) is not { } current)
            {
                return; // its row expired: the id is this process's now
            }
            if (current != previous)
            {
                throw new OptionsValidationException(ClusterOptions.Section, typeof(ClusterOptions),
                [
                    $"{ClusterOptions.Section}:NodeId '{node.NodeId}' is in use by another running StreamHub process (instance "
                    + $"{current.InstanceId}, started {current.StartedAt:u}, still sending heartbeats). Each process needs a node id of "
                    + $"its own: set {ClusterOptions.Section}:NodeId (StreamHub__Cluster__NodeId); its default, the host name, is the "
                    + "same for every process on one host.",
                ]);
            }
        }
    }

    /// <summary>One beat; the other process when one with this node id beats (nothing was written then).</summary>
    private async Task<NodeIdHolder?> BeatAsync(bool first, CancellationToken cancellationToken)
    {
        try
        {
            // Bounded by the interval: a store that hangs must not hold the next beat back for long.
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(node.Options.HeartbeatExpiry);
            var (outcome, served) = await node.HeartbeatAsync(timeout.Token);
            node.ReportStoreReachable();
            if (outcome.IdHeldBy is { } holder)
            {
                if (!first && !_warnedIdHeld)
                {
                    _warnedIdHeld = true;
                    ClusterLog.NodeIdTakenOver(logger, node.NodeId, holder.InstanceId);
                }
                return holder;
            }
            _warnedIdHeld = false;
            if (!outcome.WasAlive && !first)
            {
                ClusterLog.Reregistered(logger, node.NodeId, served);
            }
            foreach (var taken in outcome.HeldElsewhere)
            {
                if (live.Find(taken.Name) is { Stopped.IsCancellationRequested: false } stream)
                {
                    stream.Stop();
                    ClusterLog.LostToOtherNode(logger, taken.Name, taken.NodeId);
                }
            }
            return null;
        }
        catch (Exception ex) when (StoreFailure.Is(ex) || ex is OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            node.ReportStoreFailure(ex is OperationCanceledException ? new TimeoutException("the heartbeat took longer than the expiry") : ex);
            return null;
        }
    }
}
