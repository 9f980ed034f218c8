using Microsoft.Extensions.DependencyInjection;

namespace StreamHub.Tests.Infrastructure;

/// <summary>One in-process StreamHub on a fresh PostgreSQL database of its own, shared by a test class: the
/// PostgreSQL counterpart of <see cref="SharedHostFixture"/>.</summary>
public class PostgresHostFixture(PostgresServer server) : IAsyncLifetime
{
    public PostgresServer Server { get; } = server;
    public StreamHubHost Host { get; private set; } = null!;
    public string ConnectionString { get; private set; } = "";

    /// <summary>The settings that put a StreamHub on <paramref name="connectionString"/>.</summary>
    public static Dictionary<string, string?> Settings(string connectionString) => new()
    {
        ["StreamHub:Database:Provider"] = "Postgres",
        ["StreamHub:Database:ConnectionString"] = connectionString,
    };

    protected virtual void ConfigureServices(IServiceCollection services)
    {
    }

    public Task InitializeAsync()
    {
        // A database that does not exist yet: StreamHub creates it at start, then migrates it.
        ConnectionString = Server.ConnectionString($"host_{Guid.NewGuid():N}");
        Host = StreamHubHost.Start(Settings(ConnectionString), configureServices: ConfigureServices);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        if (Host is not null)
        {
            await Host.DisposeAsync();
        }
    }
}
