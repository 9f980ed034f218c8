using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using StreamHub.Diagnostics.Metrics;
using StreamHub.Live;

namespace StreamHub.Restream;

/// <summary>Pushes each live stream on to its enabled targets. It hears of publishes through
/// <see cref="LiveStreamRegistry.StreamStarted"/> and <see cref="LiveStreamRegistry.StreamEnded"/> (raised once per
/// publish, not per frame; it only queues work there), reads the stream's targets from the
/// <see cref="IRestreamTargetStore"/> and runs one <see cref="TargetPush"/> per enabled target, each on its own task
/// with its own subscription. <see cref="TargetsChanged"/> reads them again and starts, restarts or stops pushes to
/// match. The store is resolved in a scope per read, so a scoped store (a DbContext) works, and a host without one
/// pushes nothing.</summary>
public sealed class RestreamPusher : IRestreamControl, IHostedService
{
    private readonly LiveStreamRegistry _registry;
    private readonly IServiceScopeFactory _scopes;
    private readonly RestreamOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<RestreamPusher> _logger;
    private readonly ConcurrentDictionary<string, StreamTargets> _streams = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stopping = new();
    private readonly ConcurrentDictionary<Task, byte> _reconciling = new();

    public RestreamPusher(LiveStreamRegistry registry, IServiceScopeFactory scopes, IOptions<RestreamOptions> options, TimeProvider time,
        ILogger<RestreamPusher> logger, StreamHubMetrics? metrics = null)
    {
        _registry = registry;
        _scopes = scopes;
        _options = options.Value;
        _time = time;
        _logger = logger;
        if (metrics is not null)
        {
            RestreamMetrics.Register(metrics.Meter, this);
        }
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _registry.StreamStarted += OnStreamStarted;
        _registry.StreamEnded += OnStreamEnded;
        // Streams that went live before the host finished starting.
        foreach (var stream in _registry.All)
        {
            OnStreamStarted(stream);
        }
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _registry.StreamStarted -= OnStreamStarted;
        _registry.StreamEnded -= OnStreamEnded;
        await _stopping.CancelAsync();
        await Task.WhenAll(_reconciling.Keys).WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        // Every push unpublishes (bounded) and closes.
        await Task.WhenAll(AllPushes().Select(push => push.StopAsync(TargetState.Idle))).WaitAsync(cancellationToken)
            .ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    public void TargetsChanged(string streamName) => Reconcile(_streams.GetOrAdd(streamName, static name => new StreamTargets(name)));

    public IReadOnlyList<TargetStatus> StatusOf(string streamName) =>
        _streams.TryGetValue(streamName, out var targets) ? targets.Pushes().Select(p => p.Status()).OrderBy(s => s.Name, StringComparer.Ordinal).ToList() : [];

    /// <summary>Every push known now (for /metrics).</summary>
    public IEnumerable<TargetPush> AllPushes() => _streams.Values.SelectMany(s => s.Pushes());

    private void OnStreamStarted(LiveStream stream)
    {
        var targets = _streams.GetOrAdd(stream.Name, static name => new StreamTargets(name));
        targets.Began(stream);
        Reconcile(targets);
    }

    private void OnStreamEnded(LiveStream stream)
    {
        if (_streams.TryGetValue(stream.Name, out var targets))
        {
            targets.Ended(stream);
        }
    }

    /// <summary>Queues a reconciliation on the thread pool: the caller (a publisher, an API request) never waits.</summary>
    private void Reconcile(StreamTargets targets)
    {
        if (_stopping.IsCancellationRequested)
        {
            return;
        }
        var task = Task.Run(() => ReconcileAsync(targets));
        _reconciling.TryAdd(task, 0);
        task.ContinueWith(t => _reconciling.TryRemove(t, out _), TaskScheduler.Default);
    }

    /// <summary>Reads the stream's targets and makes the pushes match: an enabled target of a live stream pushes
    /// (restarted when it changed), a disabled one stops and shows Disabled, a deleted one stops and is forgotten.</summary>
    private async Task ReconcileAsync(StreamTargets targets)
    {
        try
        {
            await targets.Gate.WaitAsync(_stopping.Token);
        }
        catch (OperationCanceledException)
        {
            return;
        }
        try
        {
            IReadOnlyList<RestreamTarget> wanted;
            try
            {
                wanted = await ReadTargetsAsync(targets.StreamName);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !_stopping.IsCancellationRequested)
            {
                RestreamLog.TargetsUnreadable(_logger, ex, targets.StreamName);
                return;
            }
            if (_stopping.IsCancellationRequested)
            {
                return;
            }
            var (live, ended) = targets.Live;
            var seen = new HashSet<long>();
            foreach (var target in wanted)
            {
                if (!string.Equals(target.StreamName, targets.StreamName, StringComparison.Ordinal) || !seen.Add(target.Id))
                {
                    continue;
                }
                var push = targets.Find(target.Id);
                if (push is null)
                {
                    push = new TargetPush(targets.StreamName, target, _options, _time, _logger);
                    targets.Add(push);
                }
                if (!target.Enabled)
                {
                    await push.StopAsync(TargetState.Disabled, target);
                }
                else if (live is null || ended.IsCancellationRequested)
                {
                    await push.StopAsync(TargetState.Idle, target);
                }
                else if (!push.IsPushing(live, target))
                {
                    await push.StopAsync(TargetState.Idle, target);
                    push.Start(live, target, ended);
                }
            }
            foreach (var push in targets.Pushes().Where(p => !seen.Contains(p.Id)))
            {
                await push.StopAsync(TargetState.Idle);
                targets.Remove(push);
            }
        }
        finally
        {
            targets.Gate.Release();
        }
    }

    private async Task<IReadOnlyList<RestreamTarget>> ReadTargetsAsync(string streamName)
    {
        await using var scope = _scopes.CreateAsyncScope();
        var store = scope.ServiceProvider.GetService<IRestreamTargetStore>();
        return store is null ? [] : await store.ForStreamAsync(streamName, _stopping.Token);
    }
}
