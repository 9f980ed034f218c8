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
/// publisher. The connection is opened again after a loss. What was announced while it was down (or before it first
/// listened) is not delivered, so each time it starts listening it checks every stream live here against the store
/// instead: a stream deleted (or deleted and created again), a key rotated since the publish was admitted, or rules
/// that would now refuse the publisher disconnect it, unless an admin kept the publisher through a change with
/// disconnect=false (a node that missed the notice cannot tell that flag, so it errs on the side of the change).</summary>
public sealed class ClusterNotices(ClusterNode node, LiveStreamRegistry live, IRestreamControl restream, Recorder recorder,
    StreamKeyExpiryWatch expiries, IServiceScopeFactory scopes, TimeProvider time, ILogger<ClusterNotices> logger) : BackgroundService
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
                // After LISTEN: a change made from here on arrives as a notice, one made before is in the store.
                await CheckLiveStreamsAsync(stoppingToken);
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
            case KeyChange.Rotated:
                if (live.Find(notice.Name) is not { } rotated)
                {
                    break;
                }
                if (notice.Disconnect)
                {
                    rotated.Stop();
                    ClusterLog.RotatedElsewhere(logger, notice.Name, notice.From);
                }
                else
                {
                    rotated.KeepThroughKeyChange();
                }
                break;
            case KeyChange.Updated when live.Find(notice.Name) is not null:
                // The update may have moved the key's expiry, which the watch holds as it last read it.
                expiries.ExpiriesChanged();
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
                if (notice.Disconnect)
                {
                    publishing.Stop();
                    ClusterLog.UpdatedElsewhere(logger, notice.Name, notice.From, reason);
                }
                else
                {
                    publishing.KeepThroughKeyChange();
                }
            }
        }
        catch (Exception ex) when (StoreFailure.Is(ex))
        {
            ClusterLog.NoticeIgnored(logger, $"stream {notice.Name} updated on node {notice.From}, but it could not be read: {StoreFailure.Describe(ex)}");
        }
    }

    /// <summary>Compares every stream live here with its record in the store, in one query, and disconnects the
    /// publishers whose key no longer stands. A store failure ends the listener's connection too: it is tried again
    /// with it.</summary>
    private async Task CheckLiveStreamsAsync(CancellationToken cancellationToken)
    {
        var streams = live.All.ToList();
        if (streams.Count == 0)
        {
            return;
        }
        await using var scope = scopes.CreateAsyncScope();
        var records = (await scope.ServiceProvider.GetRequiredService<StreamKeyStore>()
                .FindByNamesAsync(streams.ConvertAll(s => s.Name), cancellationToken))
            .ToDictionary(r => r.Name, StringComparer.Ordinal);
        var now = time.GetUtcNow();
        foreach (var stream in streams)
        {
            var record = records.GetValueOrDefault(stream.Name);
            var deleted = record is null || stream.Publisher.Key is { } admitted && admitted.StreamId != record.Id;
            var reason = deleted ? "it was deleted" : WhyNoLongerAdmitted(record!, stream, now);
            // Only the publish that was checked: one that replaced it meanwhile was admitted by the store as it is now.
            if (reason is null || live.Find(stream.Name) != stream)
            {
                continue;
            }
            if (deleted)
            {
                // As on a delete notice: its targets and recording settings went with it.
                restream.TargetsChanged(stream.Name);
                recorder.Forget(stream.Name);
            }
            stream.Stop();
            ClusterLog.ChangedWhileNotListening(logger, stream.Name, reason);
        }
    }

    /// <summary>Why the stream's record, which still exists, would no longer admit its publisher; null while it would,
    /// or when an admin kept the publisher through a change.</summary>
    private static string? WhyNoLongerAdmitted(StreamRecord record, LiveStream stream, DateTimeOffset now)
    {
        if (stream.KeptThroughKeyChange)
        {
            return null;
        }
        if (stream.Publisher.Key is { } admitted && admitted.IssuedAt != record.KeyIssuedAt)
        {
            return "its key was rotated";
        }
        return StreamKeyEndpoints.WhyRefused(record, stream, now);
    }
}
