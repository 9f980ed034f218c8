using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using StreamHub.StreamKeys;

namespace StreamHub.Tests.StreamKeys;

/// <summary>The migrations are written by hand; this checks they build the schema the model describes.</summary>
public sealed class StreamKeySchemaTests
{
    [Fact]
    public async Task Migrated_schema_matches_the_model()
    {
        var file = Path.Combine(Directory.CreateTempSubdirectory("streamhub-schema-").FullName, "s.db");
        var options = new DbContextOptionsBuilder<StreamKeyDbContext>().UseSqlite($"Data Source={file}")
            .ConfigureWarnings(w => w.Ignore(Microsoft.EntityFrameworkCore.Diagnostics.RelationalEventId.PendingModelChangesWarning)).Options;
        await using var db = new StreamKeyDbContext(options);
        await db.Database.MigrateAsync();

        var migrationsAssembly = db.GetService<IMigrationsAssembly>();
        Assert.Null(migrationsAssembly.ModelSnapshot); // hand-written: compare the live schema instead

        // Build the model's own create script on a second file and compare the two schemas table by table.
        var fresh = Path.Combine(Path.GetDirectoryName(file)!, "fresh.db");
        await using var reference = new StreamKeyDbContext(new DbContextOptionsBuilder<StreamKeyDbContext>().UseSqlite($"Data Source={fresh}").Options);
        await reference.Database.EnsureCreatedAsync();

        var schema = await SchemaAsync(db);
        Assert.Equal(await SchemaAsync(reference), schema);
        // The restream targets' own guarantees, whatever the model says: one name per stream, gone with their stream.
        Assert.Contains("fk stream_id->streams.id on delete CASCADE", schema);
        Assert.Contains("index ux_restream_targets_stream_id_name unique 1 (stream_id,name)", schema);
    }

    [Fact]
    public async Task Deleting_a_stream_in_the_database_deletes_its_restream_targets()
    {
        var file = Path.Combine(Directory.CreateTempSubdirectory("streamhub-schema-").FullName, "s.db");
        var options = new DbContextOptionsBuilder<StreamKeyDbContext>().UseSqlite($"Data Source={file}")
            .ConfigureWarnings(w => w.Ignore(Microsoft.EntityFrameworkCore.Diagnostics.RelationalEventId.PendingModelChangesWarning)).Options;
        await using var db = new StreamKeyDbContext(options);
        await db.Database.MigrateAsync();
        var stream = new StreamRecord { Name = "cascade", KeyHash = new byte[32] };
        db.Streams.Add(stream);
        await db.SaveChangesAsync();
        db.RestreamTargets.Add(new StreamHub.Restream.RestreamTargetRecord
        {
            StreamId = stream.Id, Name = "youtube", Scheme = "rtmp", Host = "a.rtmp.youtube.com", Port = 1935, Application = "live2",
            ProtectedKey = [1, 2, 3], KeyHint = "abcd", Enabled = true,
        });
        await db.SaveChangesAsync();

        // As the API deletes: one statement in the database, no entities loaded, so only the foreign key can cascade.
        await db.Streams.Where(s => s.Name == "cascade").ExecuteDeleteAsync();

        Assert.Equal(0, await db.RestreamTargets.CountAsync());
    }

    private static async Task<string> SchemaAsync(DbContext db)
    {
        var rows = await db.Database.SqlQueryRaw<string>(
            "SELECT type || ' ' || name || ' ' || ifnull(tbl_name,'') AS Value FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' AND tbl_name NOT LIKE '__EFMigrations%' ORDER BY name").ToListAsync();
        var lines = new List<string>(rows);
        foreach (var table in new[] { "streams", "restream_targets" })
        {
            lines.Add(table + ":");
            lines.AddRange(await db.Database.SqlQueryRaw<string>(
                $"SELECT p.name || ':' || p.type || ':' || p.\"notnull\" || ':' || p.pk AS Value FROM pragma_table_info('{table}') p ORDER BY p.cid").ToListAsync());
            lines.AddRange(await db.Database.SqlQueryRaw<string>(
                $"SELECT 'fk ' || f.\"from\" || '->' || f.\"table\" || '.' || f.\"to\" || ' on delete ' || f.on_delete AS Value FROM pragma_foreign_key_list('{table}') f").ToListAsync());
            lines.AddRange(await db.Database.SqlQueryRaw<string>(
                $"SELECT 'index ' || i.name || ' unique ' || i.\"unique\" || ' (' || (SELECT group_concat(c.name) FROM pragma_index_info(i.name) c) || ')' AS Value FROM pragma_index_list('{table}') i WHERE i.origin = 'c' ORDER BY i.name").ToListAsync());
        }
        return string.Join("\n", lines);
    }
}
