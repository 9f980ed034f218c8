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

        Assert.Equal(await SchemaAsync(reference), await SchemaAsync(db));
    }

    private static async Task<string> SchemaAsync(DbContext db)
    {
        var rows = await db.Database.SqlQueryRaw<string>(
            "SELECT type || ' ' || name || ' ' || ifnull(tbl_name,'') AS Value FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' AND tbl_name NOT LIKE '__EFMigrations%' ORDER BY name").ToListAsync();
        var columns = await db.Database.SqlQueryRaw<string>(
            "SELECT p.name || ':' || p.type || ':' || p.\"notnull\" || ':' || p.pk AS Value FROM pragma_table_info('streams') p ORDER BY p.cid").ToListAsync();
        return string.Join("\n", rows.Concat(columns));
    }
}
