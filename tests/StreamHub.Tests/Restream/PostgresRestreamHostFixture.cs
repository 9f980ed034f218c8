using Microsoft.Extensions.DependencyInjection;
using StreamHub.Restream;
using StreamHub.Tests.Infrastructure;

namespace StreamHub.Tests.Restream;

/// <summary><see cref="RestreamHostFixture"/> on a PostgreSQL database of its own.</summary>
public sealed class PostgresRestreamHostFixture(PostgresServer server) : PostgresHostFixture(server)
{
    public RecordingRestreamControl Control { get; } = new();

    protected override void ConfigureServices(IServiceCollection services) => services.AddSingleton<IRestreamControl>(Control);
}
