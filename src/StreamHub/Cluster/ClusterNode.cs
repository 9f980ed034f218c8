using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Npgsql;
using StreamHub.Hls;
using StreamHub.Live;
using StreamHub.Playback;
using StreamHub.StreamKeys;

namespace StreamHub.Cluster;

/// <summary>This node in the cluster: claims a stream name before its publish begins, lets it go when the publish
/// ends, reports its load, keeps the store's health, and tells the other nodes of key changes. With SQLite (one node)
/// it is off: every claim succeeds at once and nothing touches a database.</summary>
public sealed class ClusterNode : IAsyncDisposable
{
    private readonly LiveStreamRegistry _live;
    private readonly HlsViewers _hlsViewers;
    private readonly PlayerRegistry _players;
    private readonly TimeProvider _time;
    private readonly ILogger<ClusterNode> _logger;
    private readonly NpgsqlDataSource? _dataSource;
    private readonly ConcurrentDictionary<string, int> _claiming = new(StringComparer.Ordinal);

    // This node's writes of its own placements, one at a time: a beat writes the names it read as served, and a claim
    // made between that read and the beat's statements would otherwise be deleted by them (the stream then looks live
    // nowhere, to edges and to another node's claim of the same name, until the next beat puts it back).
    private readonly SemaphoreSlim _placementWrites = new(1, 1);
    private TimeSpan _lastCpu;
    private long _lastCpuAt;
    private double _lastCpuPercent;
    private StoreHealth _health;

    public ClusterNode(IOptions<ClusterOptions> options, IOptions<DatabaseOptions> database, LiveStreamRegistry live, HlsViewers hlsViewers,
        PlayerRegistry players, TimeProvider time, ILogger<ClusterNode> logger)
    {
        Options = options.Value;
        _live = live;
        _hlsViewers = hlsViewers;
        _players = players;
        _time = time;
        _logger = logger;
        NodeId = Options.ResolvedNodeId;
        StartedAt = time.GetUtcNow();
        _health = new StoreHealth(true, null, StartedAt);
        Enabled = Options.Enabled ?? database.Value.IsPostgres;
        if (Enabled)
        {
            // Named after the node (unless the connection string names it), so pg_stat_activity tells the nodes apart.
            var connection = new NpgsqlConnectionStringBuilder(database.Value.ConnectionString);
            connection.ApplicationName ??= $"StreamHub {NodeId}";
            _dataSource = NpgsqlDataSource.Create(connection.ConnectionString);
            Store = new ClusterStore(_dataSource, Options, InstanceId);
            live.StreamEnded += OnStreamEnded;
        }
        _lastCpu = Process.GetCurrentProcess().TotalProcessorTime;
        _lastCpuAt = time.GetTimestamp();
    }

    public ClusterOptions Options { get; }
    public bool Enabled { get; }
    public string NodeId { get; }
    public DateTimeOffset StartedAt { get; }

    /// <summary>Length of <see cref="InstanceId"/>: a GUID's 32 hex digits.</summary>
    public const int InstanceIdLength = 32;

    /// <summary>This process start, random: tells two processes that were given the same node id apart.</summary>
    public string InstanceId { get; } = Guid.NewGuid().ToString("N");
    public StoreHealth Health => Volatile.Read(ref _health);

    /// <summary>The store; null when the cluster is off.</summary>
    public ClusterStore? Store { get; }

    /// <summary>Claims <paramref name="name"/> for a publish about to begin on this node. Until <see cref="EndClaim"/>,
    /// the heartbeat counts the name as live here, so it does not release the claim before the publish is registered.
    /// A store failure throws (the caller refuses the publish); the health records it.</summary>
    public async ValueTask<PlacementClaim> ClaimAsync(string name, CancellationToken cancellationToken)
    {
        if (Store is null)
        {
            return PlacementClaim.Ours;
        }
        _claiming.AddOrUpdate(name, 1, static (_, n) => n + 1);
        try
        {
            await _placementWrites.WaitAsync(cancellationToken);
            try
            {
                var claim = await Store.ClaimAsync(name, cancellationToken);
                ReportStoreReachable();
                return claim;
            }
            finally
            {
                _placementWrites.Release();
            }
        }
        catch (Exception ex) when (StoreFailure.Is(ex))
        {
            ReportStoreFailure(ex);
            EndClaim(name);
            throw;
        }
        catch (OperationCanceledException)
        {
            EndClaim(name);
            throw;
        }
    }

    /// <summary>One heartbeat (<see cref="ClusterHeartbeat"/>): this node's load and the names it serves, read and
    /// written with no claim or release of this node in between (<see cref="_placementWrites"/>); returns the outcome and
    /// how many names were served.</summary>
    public async Task<(HeartbeatOutcome Outcome, int Served)> HeartbeatAsync(CancellationToken cancellationToken)
    {
        await _placementWrites.WaitAsync(cancellationToken);
        try
        {
            var served = ServedNames();
            return (await Store!.HeartbeatAsync(StartedAt, MeasureLoad(), served, cancellationToken), served.Count);
        }
        finally
        {
            _placementWrites.Release();
        }
    }

    /// <summary>The publish that <see cref="ClaimAsync"/> was for is now registered (or refused).</summary>
    public void EndClaim(string name)
    {
        if (Store is null)
        {
            return;
        }
        while (_claiming.TryGetValue(name, out var n))
        {
            if (n <= 1 ? _claiming.TryRemove(new KeyValuePair<string, int>(name, n)) : _claiming.TryUpdate(name, n - 1, n))
            {
                return;
            }
        }
    }

    public IEnumerable<LiveStream> LiveStreams() => _live.All.OrderBy(s => s.Name, StringComparer.Ordinal);

    /// <summary>The names this node serves: live here, or about to be.</summary>
    public IReadOnlyCollection<string> ServedNames()
    {
        var names = new HashSet<string>(_claiming.Keys, StringComparer.Ordinal);
        foreach (var stream in _live.All)
        {
            names.Add(stream.Name);
        }
        return names;
    }

    /// <summary>Streams and viewers now; the CPU share as the last heartbeat measured it.</summary>
    public NodeLoad CurrentLoad() => new(_live.All.Count, CountViewers(), Volatile.Read(ref _lastCpuPercent));

    /// <summary>Streams and viewers now, and the process's share of all cores since the previous call (the heartbeat's).</summary>
    public NodeLoad MeasureLoad()
    {
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var now = _time.GetTimestamp();
        var elapsed = _time.GetElapsedTime(_lastCpuAt, now);
        var percent = elapsed > TimeSpan.Zero ? (cpu - _lastCpu) / elapsed / Environment.ProcessorCount * 100 : 0;
        _lastCpu = cpu;
        _lastCpuAt = now;
        var rounded = Math.Round(Math.Clamp(percent, 0, 100), 1);
        Volatile.Write(ref _lastCpuPercent, rounded);
        return new NodeLoad(_live.All.Count, CountViewers(), rounded);
    }

    private int CountViewers()
    {
        var players = _players.Total;
        var hls = 0;
        foreach (var name in _hlsViewers.Streams)
        {
            hls += _hlsViewers.Count(name);
        }
        return hls + players.Rtmp + players.HttpFlv;
    }

    /// <summary>Tells the other nodes that <paramref name="name"/>'s key changed here, so the one where it is live
    /// applies it at once. A failure is logged: the change itself is stored already.</summary>
    public async Task AnnounceAsync(KeyChange change, string name, bool disconnect, CancellationToken cancellationToken)
    {
        if (Store is null)
        {
            return;
        }
        var payload = JsonSerializer.Serialize(new KeyChangeNotice(NodeId, change, name, disconnect), ClusterJson.Options);
        try
        {
            await Store.NotifyAsync(payload, cancellationToken);
        }
        catch (Exception ex) when (StoreFailure.Is(ex))
        {
            ReportStoreFailure(ex);
            ClusterLog.AnnounceFailed(_logger, name, change.ToString().ToLowerInvariant(), StoreFailure.Describe(ex));
        }
    }

    public void ReportStoreReachable()
    {
        var health = Health;
        if (!health.Reachable)
        {
            var now = _time.GetUtcNow();
            Volatile.Write(ref _health, new StoreHealth(true, null, now));
            ClusterLog.StoreBack(_logger, (now - health.Since).TotalSeconds);
        }
    }

    public void ReportStoreFailure(Exception ex)
    {
        var reason = StoreFailure.Describe(ex);
        var health = Health;
        if (health.Reachable)
        {
            Volatile.Write(ref _health, new StoreHealth(false, reason, _time.GetUtcNow()));
            ClusterLog.StoreLost(_logger, reason);
            // Pooled connections to a server that went away are dead; new ones are opened when it is back.
            NpgsqlConnection.ClearAllPools();
        }
        else if (health.Error != reason)
        {
            Volatile.Write(ref _health, health with { Error = reason });
        }
    }

    /// <summary>Runs on the publisher's connection as its publish ends: the release goes on a task of its own. A name
    /// live here again by then (or being claimed) keeps its row; a failed release is left to the next heartbeat.</summary>
    private void OnStreamEnded(LiveStream stream) => _ = ReleaseAsync(stream.Name);

    private async Task ReleaseAsync(string name)
    {
        if (Store is null)
        {
            return;
        }
        try
        {
            await _placementWrites.WaitAsync();
            try
            {
                if (_live.Find(name) is not null || _claiming.ContainsKey(name))
                {
                    return;
                }
                await Store.ReleaseAsync(name, CancellationToken.None);
            }
            finally
            {
                _placementWrites.Release();
            }
        }
        // Disposed: the process is stopping, and its placements expire with its heartbeat.
        catch (Exception ex) when (StoreFailure.Is(ex) || ex is ObjectDisposedException)
        {
            ClusterLog.ReleaseFailed(_logger, name, StoreFailure.Describe(ex));
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_dataSource is not null)
        {
            _live.StreamEnded -= OnStreamEnded;
            await _dataSource.DisposeAsync();
        }
    }
}
