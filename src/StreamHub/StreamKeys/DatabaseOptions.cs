namespace StreamHub.StreamKeys;

/// <summary>Where stream keys (and restream targets) are stored, bound from <c>StreamHub:Database</c>.</summary>
public sealed class DatabaseOptions
{
    public const string Section = "StreamHub:Database";
    public const string SqliteProvider = "Sqlite";
    public const string PostgresProvider = "Postgres";

    /// <summary><c>Sqlite</c> (embedded, one node) or <c>Postgres</c> (a database several nodes can share).</summary>
    public string Provider { get; set; } = SqliteProvider;

    /// <summary>Sqlite: empty means <c>Data Source={DataDirectory}/streamhub.db</c>. Postgres: required, in Npgsql's
    /// <c>Host=...;Port=...;Database=...;Username=...;Password=...</c> form.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>Postgres: the database is shared, so the Data Protection key ring lives in it too.</summary>
    public bool IsPostgres => string.Equals(Provider, PostgresProvider, StringComparison.OrdinalIgnoreCase);
}
