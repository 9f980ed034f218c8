using System.Text.Json;
using Npgsql;
using StreamHub.Live;
using StreamHub.Recording;
using StreamHub.Restream;
using StreamHub.StreamKeys;

namespace StreamHub.Cluster;

/// <summary>LISTENs on <see cref="ClusterStore.Channel"/> and applies the key changes other nodes announce to the
/// streams live here, as the node the change was made through does to its own: a deleted stream's publisher is
/// disconnected, so is a rotated key's (unless disconnect=false), and an update after which the key would refuse the
/// publisher. The connection is opened again after a loss; what was announced while it was down is not replayed.</summary>
public sealed class ClusterNotices(ClusterNode node, LiveStreamRegistry live, IRestreamControl restream, Recorder recorder,
    IServiceScopeFactory scopes, TimeProvider time, ILogger<ClusterNotices> logger) : BackgroundService
{
    private static readonly TimeSpan Retry = TimeSpan.FromSeconds(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (node.Store is null)
        {
            return;
        }
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = await node.Store.OpenListenerAsync(stoppingToken);
                connection.Notification += OnNotification;
                await using (var listen = new NpgsqlCommand($"LISTEN {ClusterStore.Channel}", connection))
                {
                    await listen.ExecuteNonQueryAsync(stoppingToken);
                }
                while (true)
                {
                    await connection.WaitAsync(stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (StoreFailure.Is(ex) || ex is System.IO.IOException)
            {
                ClusterLog.ListenerLost(logger, StoreFailure.Describe(ex), (int)Retry.TotalSeconds);
            }
            try
            {
                await Task.Delay(Retry, time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private void OnNotification(object sender, NpgsqlNotificationEventArgs e)
    {
        KeyChangeNotice? notice;
        try
        {
            notice = JsonSerializer.Deserialize<KeyChangeNotice>(e.Payload, ClusterJson.Options);
        }
        catch (JsonException ex)
        {
            ClusterLog.NoticeIgnored(logger, ex.Message);
            return;
        }
        if (notice is null || notice.From == node.NodeId || !StreamName.IsValid(notice.Name))
        {
            return;
        }
        switch (notice.Change)
        {
            case KeyChange.Deleted:
                restream.TargetsChanged(notice.Name);
                recorder.Forget(notice.Name);
                if (live.Find(notice.Name) is { } deleted)
                {
                    deleted.Stop();
                    ClusterLog.DeletedElsewhere(logger, notice.Name, notice.From);
                }
                break;
            case KeyChange.Rotated when notice.Disconnect:
                if (live.Find(notice.Name) is { } rotated)
                {
                    rotated.Stop();
                    ClusterLog.RotatedElsewhere(logger, notice.Name, notice.From);
                }
                break;
            case KeyChange.Updated when notice.Disconnect && live.Find(notice.Name) is not null:
                // The notice is read on the connection's own thread; the store is read elsewhere.
                _ = Task.Run(() => RecheckAsync(notice));
                break;
        }
    }

    private async Task RecheckAsync(KeyChangeNotice notice)
    {
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var stream = await scope.ServiceProvider.GetRequiredService<StreamKeyStore>().GetAsync(notice.Name, CancellationToken.None);
            if (stream is not null && live.Find(notice.Name) is { } publishing
                && StreamKeyEndpoints.WhyRefused(stream, publishing, time.GetUtcNow()) is { } reason)
            {
                publishing.Stop();
                ClusterLog.UpdatedElsewhere(logger, notice.Name, notice.From, reason);
            }
        }
        catch (Exception ex) when (StoreFailure.Is(ex))
        {
            ClusterLog.NoticeIgnored(logger, $"stream {notice.Name} updated on node {notice.From}, but it could not be read: {StoreFailure.Describe(ex)}");
        }
    }
}
