using System.Security.Cryptography;
using System.Text;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using StreamHub.StreamKeys;
using StreamHub.Tests.Infrastructure;

namespace StreamHub.Tests.StreamKeys;

/// <summary>What is on disk: keys only as hashes, the schema migrated, WAL on, and everything still there after a
/// restart.</summary>
public sealed class StreamKeyStorageTests
{
    // The embedded store's own file in the data directory, whichever store the suite's pass gives other hosts.
    private static readonly Dictionary<string, string?> OnSqlite = new() { ["StreamHub:Database:Provider"] = "Sqlite" };

    [Fact]
    public async Task The_key_is_never_written_to_the_database_files_only_its_hash()
    {
        var data = Directory.CreateTempSubdirectory("streamhub-keys-").FullName;
        string key, rotated;
        await using (var host = StreamHubHost.Start(OnSqlite, dataDirectory: data))
        {
            using var client = host.CreateHttpClient();
            (_, key) = await StreamKeyApiTests.CreateAsync(client, "plain-check");
            var response = await client.PostAsync("/api/streams/plain-check/rotate-key", null);
            rotated = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("key").GetString()!;
        }
        SqliteConnection.ClearAllPools();

        var files = Directory.GetFiles(data, "streamhub.db*");
        Assert.NotEmpty(files);
        var bytes = files.SelectMany(File.ReadAllBytes).ToArray();
        foreach (var secret in new[] { key, rotated })
        {
            Assert.Equal(-1, bytes.AsSpan().IndexOf(Encoding.UTF8.GetBytes(secret)));
            Assert.Equal(-1, bytes.AsSpan().IndexOf(Encoding.Unicode.GetBytes(secret)));
        }
        // What is stored is the SHA-256 of the current key.
        await using var connection = new SqliteConnection($"Data Source={Path.Combine(data, "streamhub.db")};Mode=ReadOnly");
        await connection.OpenAsync();
        var command = connection.CreateCommand();
        command.CommandText = "SELECT key_hash FROM streams WHERE name = 'plain-check'";
        var stored = (byte[])(await command.ExecuteScalarAsync())!;
        Assert.Equal(SHA256.HashData(Encoding.UTF8.GetBytes(rotated)), stored);
    }

    [Fact]
    public async Task Streams_and_keys_survive_a_restart_and_the_database_is_in_wal_mode()
    {
        var data = Directory.CreateTempSubdirectory("streamhub-restart-").FullName;
        string key;
        await using (var first = StreamHubHost.Start(OnSqlite, dataDirectory: data))
        {
            using var client = first.CreateHttpClient();
            (_, key) = await StreamKeyApiTests.CreateAsync(client, "survivor");
        }

        await using var second = StreamHubHost.Start(OnSqlite, dataDirectory: data);
        using var client2 = second.CreateHttpClient();
        var response = await client2.GetAsync("/api/streams/survivor");
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        var decision = await second.GetService<IStreamKeyAuthorizer>().AuthorizePublishAsync(key, default);
        Assert.Equal(PublishVerdict.Allowed, decision.Verdict);
        Assert.Equal("survivor", decision.StreamName);

        using var scope = second.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<StreamKeyDbContext>();
        var mode = await db.Database.SqlQueryRaw<string>("PRAGMA journal_mode").ToListAsync();
        Assert.Equal("wal", Assert.Single(mode));
        var applied = await db.Database.GetAppliedMigrationsAsync();
        Assert.Contains(applied, m => m.EndsWith("InitialCreate", StringComparison.Ordinal));
    }
}
