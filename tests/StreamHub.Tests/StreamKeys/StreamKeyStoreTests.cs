using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using StreamHub.StreamKeys;
using StreamHub.Tests.Infrastructure;

namespace StreamHub.Tests.StreamKeys;

/// <summary>The store and the publish-path authorizer on a real database of each provider, without the web host.</summary>
public abstract class StreamKeyStoreTests
{
    /// <summary>How to reach a new, empty database of this provider.</summary>
    private protected abstract Task<Action<DbContextOptionsBuilder>> NewDatabaseAsync();

    public sealed class OnSqlite : StreamKeyStoreTests
    {
        private protected override Task<Action<DbContextOptionsBuilder>> NewDatabaseAsync()
        {
            var file = Path.Combine(Directory.CreateTempSubdirectory("streamhub-store-").FullName, "s.db");
            return Task.FromResult<Action<DbContextOptionsBuilder>>(o => o.UseSqlite($"Data Source={file}"));
        }
    }

    [Collection(PostgresCollection.Name)]
    public sealed class OnPostgres(PostgresServer server) : StreamKeyStoreTests
    {
        private protected override async Task<Action<DbContextOptionsBuilder>> NewDatabaseAsync()
        {
            var connectionString = await server.CreateDatabaseAsync("store");
            return o => o.UseNpgsql(connectionString);
        }
    }

    [Fact]
    public async Task An_expired_key_is_refused_as_expired_and_names_its_stream()
    {
        var time = new ManualTimeProvider(DateTimeOffset.Parse("2030-01-01T00:00:00Z"));
        await using var store = await TestStore.CreateAsync(time, await NewDatabaseAsync());
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
        await using var store = await TestStore.CreateAsync(time, await NewDatabaseAsync());
        await store.Store.CreateAsync("someone", null, null, default);
        var decision = await new StreamKeyAuthorizer(store.Scopes, time).AuthorizePublishAsync(key, default);
        Assert.Equal(PublishVerdict.UnknownKey, decision.Verdict);
        Assert.Null(decision.StreamName);
    }

    [Fact]
    public async Task A_rotated_key_replaces_the_old_one_and_a_deleted_stream_takes_its_key_with_it()
    {
        var time = new ManualTimeProvider(DateTimeOffset.UtcNow);
        await using var store = await TestStore.CreateAsync(time, await NewDatabaseAsync());
        var first = (await store.Store.CreateAsync("rotating", "cam", null, default))!.Value.Key;
        var second = (await store.Store.RotateKeyAsync("rotating", default))!.Value.Key;
        var authorizer = new StreamKeyAuthorizer(store.Scopes, time);

        Assert.Equal(PublishVerdict.UnknownKey, (await authorizer.AuthorizePublishAsync(first, default)).Verdict);
        Assert.Equal("rotating", (await authorizer.AuthorizePublishAsync(second, default)).StreamName);
        Assert.True(await store.Store.DeleteAsync("rotating", default));
        Assert.False(await store.Store.DeleteAsync("rotating", default));
        Assert.Equal(PublishVerdict.UnknownKey, (await authorizer.AuthorizePublishAsync(second, default)).Verdict);
    }

    [Fact]
    public async Task Of_many_creates_of_one_name_at_once_exactly_one_succeeds_and_the_others_are_told_it_is_taken()
    {
        var time = new ManualTimeProvider(DateTimeOffset.UtcNow);
        var database = await NewDatabaseAsync();
        await using var store = await TestStore.CreateAsync(time, database);
        // Each on its own context and connection, as concurrent API requests are: the unique index decides.
        var creates = Enumerable.Range(0, 8).Select(async _ =>
        {
            await using var scope = store.Scopes.CreateAsyncScope();
            return await scope.ServiceProvider.GetRequiredService<StreamKeyStore>().CreateAsync("contended", null, null, default);
        });
        var results = await Task.WhenAll(creates);

        Assert.Single(results, r => r is not null);
        Assert.Single(await store.Store.ListAsync(default), s => s.Name == "contended");
    }

    /// <summary>The store on a real database, migrated as the server migrates it.</summary>
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

        public static async Task<TestStore> CreateAsync(TimeProvider time, Action<DbContextOptionsBuilder> database)
        {
            var services = new ServiceCollection()
                .AddSingleton(time)
                .AddDbContext<StreamKeyDbContext>(o =>
                {
                    database(o);
                    o.ConfigureWarnings(w => w.Ignore(Microsoft.EntityFrameworkCore.Diagnostics.RelationalEventId.PendingModelChangesWarning));
                })
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
