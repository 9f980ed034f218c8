using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using StreamHub.StreamKeys;
using StreamHub.Tests.Infrastructure;

namespace StreamHub.Tests.StreamKeys;

/// <summary>The one set of hand-written migrations builds on PostgreSQL the schema the model describes there, as
/// <see cref="StreamKeySchemaTests"/> checks on SQLite.</summary>
[Collection(PostgresCollection.Name)]
public sealed class StreamKeyPostgresSchemaTests(PostgresServer server)
{
    [Fact]
    public async Task Migrated_schema_matches_the_model()
    {
        await using var migrated = PostgresServer.Context(await server.CreateDatabaseAsync("migrated"));
        await migrated.Database.MigrateAsync();
        // The model's own create script, on a second database.
        await using var reference = PostgresServer.Context(await server.CreateDatabaseAsync("reference"));
        await reference.Database.EnsureCreatedAsync();

        var schema = await SchemaAsync(migrated);
        Assert.Equal(await SchemaAsync(reference), schema);
        // What PostgreSQL must do itself, whatever the model says: number the rows, one name per stream, targets gone
        // with their stream, the key hash unique.
        Assert.Contains("column streams.id:integer::NO:YES:BY DEFAULT", schema);
        Assert.Contains("column restream_targets.id:bigint::NO:YES:BY DEFAULT", schema);
        Assert.Contains("column data_protection_keys.id:integer::NO:YES:BY DEFAULT", schema);
        Assert.Contains("column streams.name:character varying:64:NO:NO:", schema);
        Assert.Contains("column streams.expires_at:timestamp with time zone::YES:NO:", schema);
        Assert.Contains("constraint restream_targets fk_restream_targets_streams_stream_id foreign key (stream_id) references streams(id) on delete cascade", schema);
        Assert.Contains("index ux_restream_targets_stream_id_name create unique index ux_restream_targets_stream_id_name on public.restream_targets using btree (stream_id, name)", schema);
        Assert.Contains("index ux_streams_key_hash create unique index ux_streams_key_hash on public.streams using btree (key_hash)", schema);
    }

    [Fact]
    public async Task Deleting_a_stream_in_the_database_deletes_its_restream_targets()
    {
        await using var db = PostgresServer.Context(await server.CreateDatabaseAsync("cascade"));
        await db.Database.MigrateAsync();
        var stream = new StreamRecord { Name = "cascade", KeyHash = new byte[32] };
        db.Streams.Add(stream);
        await db.SaveChangesAsync();
        Assert.True(stream.Id > 0); // numbered by the database (identity column)
        db.RestreamTargets.Add(new StreamHub.Restream.RestreamTargetRecord
        {
            StreamId = stream.Id, Name = "youtube", Scheme = "rtmp", Host = "a.rtmp.youtube.com", Port = 1935, Application = "live2",
            ProtectedKey = [1, 2, 3], KeyHint = "abcd", Enabled = true,
        });
        await db.SaveChangesAsync();

        await db.Streams.Where(s => s.Name == "cascade").ExecuteDeleteAsync();

        Assert.Equal(0, await db.RestreamTargets.CountAsync());
    }

    [Fact]
    public async Task Nodes_starting_at_once_on_a_database_that_does_not_exist_all_come_up_with_one_schema()
    {
        var connectionString = server.ConnectionString($"together_{Guid.NewGuid():N}"[..30]);
        var data = Directory.CreateTempSubdirectory("streamhub-together-").FullName;
        var nodes = Enumerable.Range(0, 6).Select(_ => Node(connectionString, data)).ToList();
        try
        {
            // Each as a starting node does it: create the database if missing, migrate.
            await Task.WhenAll(nodes.Select(node => Task.Run(() => node.InitializeStreamKeyDatabaseAsync())));

            await using var db = PostgresServer.Context(connectionString);
            var applied = (await db.Database.GetAppliedMigrationsAsync()).ToList();
            Assert.Equal(db.Database.GetMigrations(), applied);
            Assert.Empty(await db.Database.GetPendingMigrationsAsync());
        }
        finally
        {
            foreach (var node in nodes)
            {
                await node.DisposeAsync();
            }
            Directory.Delete(data, recursive: true);
        }
    }

    private static ServiceProvider Node(string connectionString, string dataDirectory)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.Configure<StreamHub.Hosting.ServerOptions>(o => o.DataDirectory = dataDirectory);
        services.Configure<DatabaseOptions>(o =>
        {
            o.Provider = DatabaseOptions.PostgresProvider;
            o.ConnectionString = connectionString;
        });
        services.AddDbContext<StreamKeyDbContext>(o => o.UseNpgsql(connectionString)
            .ConfigureWarnings(w => w.Ignore(Microsoft.EntityFrameworkCore.Diagnostics.RelationalEventId.PendingModelChangesWarning)));
        return services.BuildServiceProvider();
    }

    /// <summary>Tables, columns (type, length, nullability, identity), constraints and indexes, in a stable order.
    /// Names compared in lower case: the migrations name primary keys pk_*, EF's own script PK_*.</summary>
    private static async Task<string> SchemaAsync(DbContext db)
    {
        var lines = new List<string>();
        lines.AddRange(await db.Database.SqlQueryRaw<string>("""
            SELECT 'column ' || table_name || '.' || column_name || ':' || data_type || ':' || coalesce(character_maximum_length::text, '')
                   || ':' || is_nullable || ':' || is_identity || ':' || coalesce(identity_generation, '') AS "Value"
            FROM information_schema.columns
            WHERE table_schema = 'public' AND table_name NOT LIKE '\_\_EF%'
            ORDER BY table_name, column_name
            """).ToListAsync());
        lines.AddRange(await db.Database.SqlQueryRaw<string>("""
            SELECT lower('constraint ' || conrelid::regclass::text || ' ' || CASE contype WHEN 'p' THEN 'primary' ELSE conname END
                   || ' ' || pg_get_constraintdef(oid)) AS "Value"
            FROM pg_constraint
            WHERE connamespace = 'public'::regnamespace AND conrelid::regclass::text NOT LIKE '"\_\_EF%'
            ORDER BY 1
            """).ToListAsync());
        lines.AddRange(await db.Database.SqlQueryRaw<string>("""
            SELECT lower('index ' || indexname || ' ' || indexdef) AS "Value"
            FROM pg_indexes
            WHERE schemaname = 'public' AND tablename NOT LIKE '\_\_EF%' AND indexname NOT ILIKE 'pk\_%'
            ORDER BY 1
            """).ToListAsync());
        return string.Join("\n", lines);
    }
}
