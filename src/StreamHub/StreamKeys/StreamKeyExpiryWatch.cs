using System.Data.Common;
using StreamHub.Live;

namespace StreamHub.StreamKeys;

/// <summary>Disconnects a publisher whose key expires while it is live. The expiry is checked when a publish begins,
/// so without this a publisher that started before it would carry on for as long as it stayed connected. Checks
/// every <see cref="Interval"/>, and only while something is live.</summary>
public sealed partial class StreamKeyExpiryWatch(IServiceScopeFactory scopes, LiveStreamRegistry live, TimeProvider time,
    ILogger<StreamKeyExpiryWatch> logger) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(2);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                if (live.All.Count == 0)
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
                    LogCheckFailed(logger, ex.Message);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task StopExpiredAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var store = scope.ServiceProvider.GetRequiredService<StreamKeyStore>();
        var now = time.GetUtcNow();
        foreach (var stream in await store.ListWithExpiryAsync(cancellationToken))
        {
            if (stream.IsExpired(now) && live.Find(stream.Name) is { Stopped.IsCancellationRequested: false } publishing)
            {
                publishing.Stop();
                LogExpired(logger, stream.Name);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Stream {StreamName} key expired; the live publisher was disconnected")]
    private static partial void LogExpired(ILogger logger, string streamName);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not check stream keys for expiry: {Reason}")]
    private static partial void LogCheckFailed(ILogger logger, string reason);
}
