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
    [Fact]
    public async Task The_key_is_never_written_to_the_database_files_only_its_hash()
    {
        var data = Directory.CreateTempSubdirectory("streamhub-keys-").FullName;
        string key, rotated;
        await using (var host = StreamHubHost.Start(dataDirectory: data))
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
        await using (var first = StreamHubHost.Start(dataDirectory: data))
        {
            using var client = first.CreateHttpClient();
            (_, key) = await StreamKeyApiTests.CreateAsync(client, "survivor");
        }

        await using var second = StreamHubHost.Start(dataDirectory: data);
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

    [Fact]
    public async Task An_expired_key_is_refused_as_expired_and_names_its_stream()
    {
        var time = new ManualTimeProvider(DateTimeOffset.Parse("2030-01-01T00:00:00Z"));
        await using var store = await TestStore.CreateAsync(time);
        var created = await store.Store.CreateAsync("expiring", null, time.GetUtcNow().AddHours(1), default);
        var key = created!.Value.Key;
        var authorizer = new StreamKeyAuthorizer(store.Scopes, time);

        Assert.Equal(PublishVerdict.Allowed, (await authorizer.AuthorizePublishAsync(key, default)).Verdict);
        time.Advance(TimeSpan.FromHours(2));
        var decision = await authorizer.AuthorizePublishAsync(key, default);
        Assert.Equal(PublishVerdict.Expired, decision.Verdict);
        Assert.Equal("expiring", decision.StreamName);
    }

    [Theory]
    [InlineData("")]
    [InlineData("nope")]
    [InlineData("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    public async Task An_unknown_key_is_refused(string key)
    {
        var time = new ManualTimeProvider(DateTimeOffset.UtcNow);
        await using var store = await TestStore.CreateAsync(time);
        await store.Store.CreateAsync("someone", null, null, default);
        var decision = await new StreamKeyAuthorizer(store.Scopes, time).AuthorizePublishAsync(key, default);
        Assert.Equal(PublishVerdict.UnknownKey, decision.Verdict);
        Assert.Null(decision.StreamName);
    }

    /// <summary>The store on a real SQLite file, without the web host.</summary>
    private sealed class TestStore : IAsyncDisposable
    {
        private readonly ServiceProvider _services;
        private readonly AsyncServiceScope _scope;

        private TestStore(ServiceProvider services)
        {
            _services = services;
            _scope = services.CreateAsyncScope();
            Store = _scope.ServiceProvider.GetRequiredService<StreamKeyStore>();
        }

        public StreamKeyStore Store { get; }
        public IServiceScopeFactory Scopes => _services.GetRequiredService<IServiceScopeFactory>();

        public static async Task<TestStore> CreateAsync(TimeProvider time)
        {
            var file = Path.Combine(Directory.CreateTempSubdirectory("streamhub-store-").FullName, "s.db");
            var services = new ServiceCollection()
                .AddSingleton(time)
                .AddDbContext<StreamKeyDbContext>(o => o.UseSqlite($"Data Source={file}")
                    .ConfigureWarnings(w => w.Ignore(Microsoft.EntityFrameworkCore.Diagnostics.RelationalEventId.PendingModelChangesWarning)))
                .AddScoped<StreamKeyStore>()
                .BuildServiceProvider();
            await using (var scope = services.CreateAsyncScope())
            {
                await scope.ServiceProvider.GetRequiredService<StreamKeyDbContext>().Database.MigrateAsync();
            }
            return new TestStore(services);
        }

        public async ValueTask DisposeAsync()
        {
            await _scope.DisposeAsync();
            await _services.DisposeAsync();
        }
    }
}
