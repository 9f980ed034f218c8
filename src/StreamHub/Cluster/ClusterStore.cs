using Npgsql;
using NpgsqlTypes;

namespace StreamHub.Cluster;

/// <summary>Membership and placement in PostgreSQL, in plain SQL: each question is one statement or one short
/// transaction, and every age is measured by the database's <c>now()</c> (one clock for all nodes). The tables come
/// from the EF migrations (<c>ClusterPlacement</c>).</summary>
public sealed class ClusterStore(NpgsqlDataSource dataSource, ClusterOptions options, string instanceId)
{
    /// <summary>The channel every node LISTENs on for stream-key changes.</summary>
    public const string Channel = "streamhub_cluster";

    /// <summary>An expired node's row is kept this many expiry periods (shown as expired), then deleted.</summary>
    private const int ForgetAfterExpiries = 100;

    private string NodeId { get; } = options.ResolvedNodeId;

    /// <summary>Unless another process with this node id beats (its row has another instance id and is current: then
    /// nothing is written and the outcome names it), writes this node's row and load, drops the placements of expired nodes, and makes this node's
    /// placements exactly <paramref name="live"/> (less the names another live node holds), in one transaction.</summary>
    public async Task<HeartbeatOutcome> HeartbeatAsync(DateTimeOffset startedAt, NodeLoad load, IReadOnlyCollection<string> live,
        CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        bool wasAlive;
        await using (var upsert = Command(connection, transaction, """
            WITH previous AS (SELECT last_heartbeat > now() - @expiry AS alive FROM cluster_nodes WHERE id = @node)
            INSERT INTO cluster_nodes (id, instance_id, public_urls, started_at, last_heartbeat, streams, viewers, cpu_percent)
            VALUES (@node, @instance, @urls, @started, now(), @streams, @viewers, @cpu)
            ON CONFLICT (id) DO UPDATE SET instance_id = excluded.instance_id, public_urls = excluded.public_urls,
                started_at = excluded.started_at, last_heartbeat = now(), streams = excluded.streams, viewers = excluded.viewers,
                cpu_percent = excluded.cpu_percent
            WHERE cluster_nodes.instance_id = excluded.instance_id OR cluster_nodes.last_heartbeat <= now() - @expiry
            RETURNING coalesce((SELECT alive FROM previous), false)
            """))
        {
            upsert.Parameters.AddWithValue("instance", instanceId);
            upsert.Parameters.AddWithValue("urls", string.Join(' ', options.ResolvedPublicUrls));
            upsert.Parameters.AddWithValue("started", startedAt.ToUniversalTime());
            upsert.Parameters.AddWithValue("streams", load.Streams);
            upsert.Parameters.AddWithValue("viewers", load.Viewers);
            upsert.Parameters.AddWithValue("cpu", load.CpuPercent);
            if (await upsert.ExecuteScalarAsync(cancellationToken) is not bool alive)
            {
                var holder = await IdHolderAsync(connection, transaction, cancellationToken);
                await transaction.RollbackAsync(cancellationToken);
                return new HeartbeatOutcome(false, [], holder);
            }
            wasAlive = alive;
        }
        await using (var release = Command(connection, transaction, """
            DELETE FROM stream_placements p WHERE NOT EXISTS
                (SELECT 1 FROM cluster_nodes n WHERE n.id = p.node_id AND n.last_heartbeat > now() - @expiry);
            DELETE FROM stream_placements WHERE node_id = @node AND NOT (name = ANY(@live));
            INSERT INTO stream_placements (name, node_id, since) SELECT unnest(@live), @node, now() ON CONFLICT (name) DO NOTHING;
            DELETE FROM cluster_nodes WHERE last_heartbeat < now() - @forget;
            """))
        {
            release.Parameters.Add(new NpgsqlParameter("live", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = live.ToArray() });
            release.Parameters.AddWithValue("forget", options.HeartbeatExpiry * ForgetAfterExpiries);
            await release.ExecuteNonQueryAsync(cancellationToken);
        }
        var elsewhere = new List<StreamPlacementRecord>();
        await using (var conflicts = Command(connection, transaction,
            "SELECT name, node_id, since FROM stream_placements WHERE name = ANY(@live) AND node_id <> @node"))
        {
            conflicts.Parameters.Add(new NpgsqlParameter("live", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = live.ToArray() });
            await using var reader = await conflicts.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                elsewhere.Add(new StreamPlacementRecord { Name = reader.GetString(0), NodeId = reader.GetString(1), Since = reader.GetFieldValue<DateTimeOffset>(2) });
            }
        }
        await transaction.CommitAsync(cancellationToken);
        return new HeartbeatOutcome(wasAlive, elsewhere);
    }

    /// <summary>Places <paramref name="name"/> on this node, unless another node whose heartbeat is current holds it.
    /// One statement: the row lock of <c>ON CONFLICT</c> serialises two nodes claiming the same name at once.</summary>
    public async Task<PlacementClaim> ClaimAsync(string name, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        for (var attempt = 0; attempt < 3; attempt++)
        {
            await using (var claim = Command(connection, null, """
                INSERT INTO stream_placements (name, node_id, since) VALUES (@name, @node, now())
                ON CONFLICT (name) DO UPDATE SET node_id = excluded.node_id,
                    since = CASE WHEN stream_placements.node_id = excluded.node_id THEN stream_placements.since ELSE excluded.since END
                WHERE stream_placements.node_id = excluded.node_id OR NOT EXISTS
                    (SELECT 1 FROM cluster_nodes n WHERE n.id = stream_placements.node_id AND n.last_heartbeat > now() - @expiry)
                RETURNING node_id
                """))
            {
                claim.Parameters.AddWithValue("name", name);
                if (await claim.ExecuteScalarAsync(cancellationToken) is string)
                {
                    return PlacementClaim.Ours;
                }
            }
            await using var holder = Command(connection, null, "SELECT node_id FROM stream_placements WHERE name = @name");
            holder.Parameters.AddWithValue("name", name);
            if (await holder.ExecuteScalarAsync(cancellationToken) is string node)
            {
                return new PlacementClaim(false, node);
            }
            // Released between the two statements: claim again.
        }
        return new PlacementClaim(false, "?");
    }

    /// <summary>Lets go of <paramref name="name"/> if this node holds it.</summary>
    public async Task ReleaseAsync(string name, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var release = Command(connection, null, "DELETE FROM stream_placements WHERE name = @name AND node_id = @node");
        release.Parameters.AddWithValue("name", name);
        await release.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Whole-table reads of where streams are live (<see cref="PlacementsAsync"/>) since the process started.</summary>
    public long PlacementReads => Interlocked.Read(ref _placementReads);

    private long _placementReads;

    /// <summary>Every stream live on a node whose heartbeat is current, with that node's public URLs: one statement.</summary>
    public async Task<Dictionary<string, StreamPlacement>> PlacementsAsync(CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _placementReads);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var find = Command(connection, null,
            "SELECT p.name, n.id, n.public_urls, p.since FROM stream_placements p JOIN cluster_nodes n ON n.id = p.node_id " +
            "WHERE n.last_heartbeat > now() - @expiry");
        await using var reader = await find.ExecuteReaderAsync(cancellationToken);
        var placements = new Dictionary<string, StreamPlacement>(StringComparer.Ordinal);
        while (await reader.ReadAsync(cancellationToken))
        {
            var name = reader.GetString(0);
            placements[name] = new StreamPlacement(name, reader.GetString(1),
                reader.GetString(2).Split(' ', StringSplitOptions.RemoveEmptyEntries), reader.GetFieldValue<DateTimeOffset>(3));
        }
        return placements;
    }

    public async Task<ClusterSnapshot> ReadAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, cancellationToken);
        var nodes = new List<ClusterNodeView>();
        await using (var read = Command(connection, transaction, """
            SELECT id, public_urls, started_at, extract(epoch FROM now() - last_heartbeat)::float8, streams, viewers, cpu_percent
            FROM cluster_nodes ORDER BY id
            """))
        await using (var reader = await read.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                nodes.Add(new ClusterNodeView(reader.GetString(0), reader.GetString(1).Split(' ', StringSplitOptions.RemoveEmptyEntries),
                    reader.GetFieldValue<DateTimeOffset>(2), TimeSpan.FromSeconds(Math.Max(0, reader.GetDouble(3))), reader.GetInt32(4),
                    reader.GetInt32(5), reader.GetDouble(6)));
            }
        }
        var placements = new List<StreamPlacementRecord>();
        await using (var read = Command(connection, transaction, "SELECT name, node_id, since FROM stream_placements ORDER BY name"))
        await using (var reader = await read.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                placements.Add(new StreamPlacementRecord { Name = reader.GetString(0), NodeId = reader.GetString(1), Since = reader.GetFieldValue<DateTimeOffset>(2) });
            }
        }
        await transaction.CommitAsync(cancellationToken);
        return new ClusterSnapshot(nodes, placements);
    }

    /// <summary>Tells every node (this one too) through <see cref="Channel"/>.</summary>
    public async Task NotifyAsync(string payload, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var notify = Command(connection, null, "SELECT pg_notify(@channel, @payload)");
        notify.Parameters.AddWithValue("channel", Channel);
        notify.Parameters.AddWithValue("payload", payload);
        await notify.ExecuteNonQueryAsync(cancellationToken);
    }

    private async Task<NodeIdHolder> IdHolderAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken)
    {
        await using var command = Command(connection, transaction,
            "SELECT instance_id, started_at, last_heartbeat FROM cluster_nodes WHERE id = @node");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken); // the row the upsert would not overwrite: deleted only once expired
        return new NodeIdHolder(reader.GetString(0), reader.GetFieldValue<DateTimeOffset>(1), reader.GetFieldValue<DateTimeOffset>(2));
    }

    /// <summary>A connection of its own for LISTEN, outside the pool's rotation.</summary>
    public ValueTask<NpgsqlConnection> OpenListenerAsync(CancellationToken cancellationToken) => dataSource.OpenConnectionAsync(cancellationToken);

    private NpgsqlCommand Command(NpgsqlConnection connection, NpgsqlTransaction? transaction, string sql)
    {
        var command = new NpgsqlCommand(sql, connection, transaction);
        if (sql.Contains("@node", StringComparison.Ordinal))
        {
            command.Parameters.AddWithValue("node", NodeId);
        }
        if (sql.Contains("@expiry", StringComparison.Ordinal))
        {
            command.Parameters.AddWithValue("expiry", options.HeartbeatExpiry);
        }
        return command;
    }
}
