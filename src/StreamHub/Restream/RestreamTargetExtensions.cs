using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using StreamHub.Hosting;
using StreamHub.StreamKeys;

namespace StreamHub.Restream;

public static class RestreamTargetExtensions
{
    /// <summary>The folder of the data directory that holds the Data Protection key ring. Back it up with the database:
    /// without it the stored platform keys cannot be decrypted.</summary>
    public const string KeyRingFolder = "dataprotection-keys";

    /// <summary>Fixed, so the key ring stays valid whatever folder the binary runs from (Data Protection's default
    /// discriminator is the content root path).</summary>
    public const string ApplicationName = "StreamHub";

    /// <summary>Any fixed number: the PostgreSQL advisory lock under which a starting node makes sure the key ring has
    /// a key, so nodes starting at once share one key instead of each making its own.</summary>
    private const long KeyRingLockId = 0x5354_4b52; // "STKR"

    /// <summary>The restream targets' store and its encryption. The pusher (AddRestreamPusher) registers the real
    /// <see cref="IRestreamControl"/>; without it a no-op one answers. The key ring lives in the data directory, or in
    /// the database when that is PostgreSQL (shared by the nodes, which must all decrypt the same keys).</summary>
    public static WebApplicationBuilder AddRestreamTargets(this WebApplicationBuilder builder)
    {
        builder.Services.AddDataProtection().SetApplicationName(ApplicationName);
        builder.Services.AddOptions<KeyManagementOptions>()
            .Configure<IOptions<ServerOptions>, IOptions<DatabaseOptions>, IServiceProvider, ILoggerFactory>((options, server, database, services, loggers) =>
                options.XmlRepository = database.Value.IsPostgres
                    ? new EntityFrameworkCoreXmlRepository<StreamKeyDbContext>(services, loggers)
                    : new FileSystemXmlRepository(CreateKeyRingDirectory(server.Value), loggers));
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<RestreamKeyProtector>();
        builder.Services.AddSingleton<RestreamTargetStore>();
        builder.Services.AddSingleton<IRestreamTargetStore>(services => services.GetRequiredService<RestreamTargetStore>());
        builder.Services.TryAddSingleton<IRestreamControl, NoRestreamControl>();
        return builder;
    }

    /// <summary>PostgreSQL: makes sure the shared key ring has a key before this node serves, under an advisory lock,
    /// so that nodes started together agree on one key (Data Protection reads the ring once and then about once a
    /// day: a key made by another node at the same moment could otherwise stay unknown here for that long).
    /// After the database is migrated.</summary>
    public static async Task InitializeRestreamKeyRingAsync(this IServiceProvider services, CancellationToken cancellationToken = default)
    {
        if (!services.GetRequiredService<IOptions<DatabaseOptions>>().Value.IsPostgres)
        {
            return;
        }
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<StreamKeyDbContext>();
        await db.Database.OpenConnectionAsync(cancellationToken);
        try
        {
            await db.Database.ExecuteSqlAsync($"SELECT pg_advisory_lock({KeyRingLockId})", cancellationToken);
            try
            {
                // The first protect reads the ring and, when it has no usable key, writes a new one to the database.
                services.GetRequiredService<RestreamKeyProtector>().Protect(string.Empty);
            }
            finally
            {
                // Explicitly: a pooled connection keeps its session (and a session lock) after it is closed.
                await db.Database.ExecuteSqlAsync($"SELECT pg_advisory_unlock({KeyRingLockId})", CancellationToken.None);
            }
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    public static string KeyRingDirectory(ServerOptions server) => Path.Combine(server.ResolveDataDirectory(), KeyRingFolder);

    /// <summary>Readable by the server's user only: on Linux the key files themselves are not encrypted at rest.</summary>
    private static DirectoryInfo CreateKeyRingDirectory(ServerOptions server)
    {
        var path = KeyRingDirectory(server);
        return OperatingSystem.IsWindows()
            ? Directory.CreateDirectory(path)
            : Directory.CreateDirectory(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }
}
