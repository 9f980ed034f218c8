using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using StreamHub.StreamKeys;
using StreamHub.Tests.Infrastructure;

namespace StreamHub.Tests.StreamKeys;

/// <summary>The suite's PostgreSQL pass (.ci/run) really puts the in-process hosts on PostgreSQL, and the first pass on
/// SQLite: a pass that silently stayed on SQLite would prove nothing.</summary>
public sealed class TestStoreProviderTests
{
    [Fact]
    public async Task Hosts_store_keys_in_postgresql_in_the_postgresql_pass_and_in_sqlite_otherwise()
    {
        await using var host = StreamHubHost.Start();
        using var scope = host.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<StreamKeyDbContext>();
        var expected = string.IsNullOrEmpty(Environment.GetEnvironmentVariable(StreamHubHost.PostgresVariable))
            ? "Microsoft.EntityFrameworkCore.Sqlite"
            : "Npgsql.EntityFrameworkCore.PostgreSQL";
        Assert.Equal(expected, db.Database.ProviderName);

        // And the store works there: a key created through the API is found by the store.
        using var api = host.CreateHttpClient();
        using var created = await api.PostAsync("/api/streams", System.Net.Http.Json.JsonContent.Create(new { name = "provider-check" }));
        Assert.Equal(System.Net.HttpStatusCode.Created, created.StatusCode);
        Assert.True(await db.Streams.AnyAsync(s => s.Name == "provider-check"));
    }
}
