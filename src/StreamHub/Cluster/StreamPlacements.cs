using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using StreamHub.Hls;

namespace StreamHub.Cluster;

/// <summary>Where each stream of the cluster is live, as this node last read it: the whole placement table, read at
/// most once a second however many names are asked (viewers poll playlists every part, and a request for a name that
/// is live nowhere must not cost a query each), by one read at a time that every asker waits for. Used by the HLS edge
/// (proxy or redirect) and the RTMP/HTTP-FLV edge pull.
/// <para>A stream that was live in one read and is gone in the next is kept as ended for
/// <c>StreamHub:Hls:EndedStreamGraceSeconds</c>: its origin still serves the ended playlist (EXT-X-ENDLIST) that
/// long, and an edge proxies it instead of answering 404 at once. Bounded: the ended entries are dropped when their
/// grace has passed, and the table holds no more names than were live.</para></summary>
public sealed class StreamPlacements(ClusterNode node, IOptions<HlsOptions> hls, TimeProvider time)
{
    private static readonly TimeSpan ReadEvery = TimeSpan.FromSeconds(1);

    private readonly ConcurrentDictionary<string, (StreamPlacement Placement, long Until)> _ended = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private Snapshot? _current;
    private Task? _reading;

    /// <summary>Where <paramref name="name"/> is live on another node (or, with <paramref name="includeEnded"/>, ended
    /// a moment ago); null when it is live nowhere else or the store could not be read.</summary>
    public async ValueTask<StreamPlacement?> FindAsync(string name, bool includeEnded, CancellationToken cancellationToken)
    {
        if (node.Store is null)
        {
            return null;
        }
        if (Volatile.Read(ref _current) is not { } current || time.GetElapsedTime(current.ReadAt) >= ReadEvery)
        {
            await ReadAsync().WaitAsync(cancellationToken);
            current = Volatile.Read(ref _current)!;
        }
        if (current.Live.TryGetValue(name, out var placement))
        {
            return placement.Node == node.NodeId ? null : placement;
        }
        return includeEnded && _ended.TryGetValue(name, out var ended) && ended.Until > time.GetTimestamp() && ended.Placement.Node != node.NodeId
            ? ended.Placement
            : null;
    }

    /// <summary>The read under way, or a new one when the last is a second old.</summary>
    private Task ReadAsync()
    {
        lock (_gate)
        {
            if (_reading is { IsCompleted: false } reading)
            {
                return reading;
            }
            if (_current is { } current && time.GetElapsedTime(current.ReadAt) < ReadEvery)
            {
                return Task.CompletedTask;
            }
            return _reading = Task.Run(ReadOnceAsync);
        }
    }

    private async Task ReadOnceAsync()
    {
        var previous = Volatile.Read(ref _current);
        Dictionary<string, StreamPlacement> live;
        try
        {
            // Not the asker's token: the read is shared, and one viewer leaving must not fail it for the others.
            using var timeout = new CancellationTokenSource(node.Options.HeartbeatExpiry);
            live = await node.Store!.PlacementsAsync(timeout.Token);
            node.ReportStoreReachable();
        }
        catch (Exception ex) when (StoreFailure.Is(ex) || ex is OperationCanceledException)
        {
            node.ReportStoreFailure(ex is OperationCanceledException ? new TimeoutException("reading the stream placements timed out") : ex);
            // What was known stays for another second: viewers of streams that were live keep being served.
            live = previous?.Live ?? new Dictionary<string, StreamPlacement>(StringComparer.Ordinal);
        }
        var now = time.GetTimestamp();
        if (previous is { } before && !ReferenceEquals(before.Live, live))
        {
            var grace = (long)(hls.Value.EndedStreamGraceSeconds * (double)time.TimestampFrequency);
            foreach (var (name, placement) in before.Live)
            {
                if (!live.ContainsKey(name))
                {
                    _ended[name] = (placement with { Ended = true }, now + grace);
                }
            }
        }
        foreach (var (name, ended) in _ended)
        {
            if (ended.Until <= now || live.ContainsKey(name))
            {
                _ended.TryRemove(name, out _);
            }
        }
        Volatile.Write(ref _current, new Snapshot(live, now));
    }

    private sealed record Snapshot(Dictionary<string, StreamPlacement> Live, long ReadAt);
}
