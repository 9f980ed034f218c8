using System.Data.Common;
using StreamHub.Live;

namespace StreamHub.StreamKeys;

/// <summary>Disconnects a publisher whose key expires while it is live. The expiry is checked when a publish begins,
/// so without this a publisher that started before it would carry on for as long as it stayed connected. Checks
/// every <see cref="Interval"/>, and only while something is live, against the expiries it last read from the store:
/// it reads them again when a publish begins, when a key is updated here or on another node
/// (<see cref="ExpiriesChanged"/>), and at least every <see cref="RereadInterval"/>, so that a node does not query the
/// database every 2 s for as long as anything is live.</summary>
public sealed partial class StreamKeyExpiryWatch : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(2);

    /// <summary>The longest the watch goes without reading the store, so a change it was not told of (a notice from
    /// another node that never arrived) is still acted on.</summary>
    public static readonly TimeSpan RereadInterval = TimeSpan.FromMinutes(1);

    private readonly IServiceScopeFactory _scopes;
    private readonly LiveStreamRegistry _live;
    private readonly TimeProvider _time;
    private readonly ILogger<StreamKeyExpiryWatch> _logger;

    /// <summary>Set by any thread when the stored expiries may differ from <see cref="_expiries"/>; cleared by the
    /// watch's loop just before it reads them.</summary>
    private volatile bool _stale = true;

    // Read and written only on the watch's loop.
    private Dictionary<string, DateTimeOffset> _expiries = new(StringComparer.Ordinal);
    private DateTimeOffset _readAt;

    public StreamKeyExpiryWatch(IServiceScopeFactory scopes, LiveStreamRegistry live, TimeProvider time, ILogger<StreamKeyExpiryWatch> logger)
    {
        _scopes = scopes;
        _live = live;
        _time = time;
        _logger = logger;
        // A stream that goes live may have a key whose expiry was set since the last read.
        live.StreamStarted += _ => ExpiriesChanged();
    }

    /// <summary>A key's expiry may have changed: the next check reads the store again.</summary>
    public void ExpiriesChanged() => _stale = true;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, _time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                if (_live.All.Count == 0)
                {
                    continue;
                }
                try
                {
                    await StopExpiredAsync(stoppingToken);
                }
                // A failed check is logged and tried again on the next tick: letting it escape would stop the host.
                catch (Exception ex) when (ex is DbException or InvalidOperationException)
                {
                    _stale = true;
                    LogCheckFailed(_logger, ex.Message);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task StopExpiredAsync(CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        if (_stale || now - _readAt >= RereadInterval)
        {
            _stale = false;
            _readAt = now;
            await using var scope = _scopes.CreateAsyncScope();
            var store = scope.ServiceProvider.GetRequiredService<StreamKeyStore>();
            _expiries = (await store.ListWithExpiryAsync(cancellationToken)).ToDictionary(s => s.Name, s => s.ExpiresAt!.Value, StringComparer.Ordinal);
        }
        foreach (var publishing in _live.All)
        {
            if (_expiries.TryGetValue(publishing.Name, out var expires) && expires <= now && !publishing.Stopped.IsCancellationRequested)
            {
                publishing.Stop();
                LogExpired(_logger, publishing.Name);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Stream {StreamName} key expired; the live publisher was disconnected")]
    private static partial void LogExpired(ILogger logger, string streamName);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not check stream keys for expiry: {Reason}")]
    private static partial void LogCheckFailed(ILogger logger, string reason);
}
