using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Npgsql;
using StreamHub.Hosting;

namespace StreamHub.StreamKeys;

public static partial class StreamKeyExtensions
{
    public const string DatabaseFileName = "streamhub.db";

    /// <summary>Any fixed number: the PostgreSQL advisory lock under which a starting node migrates the schema.</summary>
    private const long MigrationLockId = 0x5354_4d47; // "STMG"

    public static WebApplicationBuilder AddStreamKeys(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<DatabaseOptions>().BindConfiguration(DatabaseOptions.Section).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<DatabaseOptions>, DatabaseOptionsValidator>();
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddDbContext<StreamKeyDbContext>((services, options) =>
        {
            var database = services.GetRequiredService<IOptions<DatabaseOptions>>().Value;
            var server = services.GetRequiredService<IOptions<ServerOptions>>().Value;
            if (database.IsPostgres)
            {
                options.UseNpgsql(database.ConnectionString);
            }
            else
            {
                options.UseSqlite(SqliteConnectionString(database, server));
            }
            // The migrations are hand-written and carry no model snapshot; the schema test checks they match the model.
            options.ConfigureWarnings(w => w.Ignore(RelationalEventId.PendingModelChangesWarning));
        });
        builder.Services.AddScoped<StreamKeyStore>();
        builder.Services.AddSingleton<IStreamKeyAuthorizer, StreamKeyAuthorizer>();
        builder.Services.AddSingleton<StreamKeyExpiryWatch>();
        builder.Services.AddHostedService(services => services.GetRequiredService<StreamKeyExpiryWatch>());
        return builder;
    }

    public static string SqliteConnectionString(DatabaseOptions database, ServerOptions server)
    {
        if (!string.IsNullOrWhiteSpace(database.ConnectionString))
        {
            return database.ConnectionString;
        }
        var dataDirectory = server.ResolveDataDirectory();
        return new SqliteConnectionStringBuilder
        {
            DataSource = Path.Combine(dataDirectory, DatabaseFileName),
            Mode = SqliteOpenMode.ReadWriteCreate,
            Cache = SqliteCacheMode.Private,
            Pooling = true,
        }.ToString();
    }

    /// <summary>Creates the data directory, applies migrations and switches SQLite to WAL, before any listener opens.
    /// PostgreSQL: creates the database when the user may and it does not exist yet; several nodes starting at once
    /// migrate one after the other. An unreachable server is a <see cref="DatabaseUnreachableException"/>.</summary>
    public static async Task InitializeStreamKeyDatabaseAsync(this IServiceProvider services, CancellationToken cancellationToken = default)
    {
        var server = services.GetRequiredService<IOptions<ServerOptions>>().Value;
        var database = services.GetRequiredService<IOptions<DatabaseOptions>>().Value;
        Directory.CreateDirectory(server.ResolveDataDirectory());
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<StreamKeyDbContext>();
        try
        {
            if (database.IsPostgres)
            {
                await MigratePostgresAsync(db, cancellationToken);
            }
            else
            {
                await db.Database.MigrateAsync(cancellationToken);
            }
        }
        catch (Exception ex) when (database.IsPostgres && FindNpgsqlException(ex) is { } npgsql)
        {
            var builder = new NpgsqlConnectionStringBuilder(database.ConnectionString);
            throw new DatabaseUnreachableException($"{DatabaseOptions.Section}:ConnectionString",
                $"{builder.Host}:{builder.Port}", Innermost(npgsql).Message, ex);
        }
        if (db.Database.IsSqlite())
        {
            await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", cancellationToken);
        }
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(StreamKeyExtensions));
        LogReady(logger, db.Database.ProviderName ?? "unknown", await db.Streams.CountAsync(cancellationToken));
    }

    /// <summary>Nodes starting at once against one PostgreSQL: the database is created by whichever gets there first
    /// (the others find it exists), and the migrations run under an advisory lock, one node after the other. EF's own
    /// migration lock is taken only once the history table exists, so two first starts could both apply the first
    /// migration and one would fail on a column that already exists.</summary>
    private static async Task MigratePostgresAsync(StreamKeyDbContext db, CancellationToken cancellationToken)
    {
        var creator = db.GetService<IRelationalDatabaseCreator>();
        if (!await creator.ExistsAsync(cancellationToken))
        {
            try
            {
                await creator.CreateAsync(cancellationToken);
            }
            catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.DuplicateDatabase)
            {
            }
        }
        await db.Database.OpenConnectionAsync(cancellationToken);
        try
        {
            await db.Database.ExecuteSqlAsync($"SELECT pg_advisory_lock({MigrationLockId})", cancellationToken);
            try
            {
                await db.Database.MigrateAsync(cancellationToken);
            }
            finally
            {
                // Explicitly: a pooled connection keeps its session (and a session lock) after it is closed.
                await db.Database.ExecuteSqlAsync($"SELECT pg_advisory_unlock({MigrationLockId})", CancellationToken.None);
            }
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    /// <summary>EF's execution strategy wraps a transient failure in an InvalidOperationException; the cause is below.</summary>
    private static NpgsqlException? FindNpgsqlException(Exception? ex)
    {
        for (; ex is not null; ex = ex.InnerException)
        {
            if (ex is NpgsqlException npgsql)
            {
                return npgsql;
            }
        }
        return null;
    }

    private static Exception Innermost(Exception ex)
    {
        while (ex.InnerException is not null)
        {
            ex = ex.InnerException;
        }
        return ex;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Stream key store ready ({Provider}), {StreamCount} streams")]
    private static partial void LogReady(ILogger logger, string provider, int streamCount);
}
