namespace StreamHub.StreamKeys;

/// <summary>Where stream keys are stored, bound from <c>StreamHub:Database</c>.</summary>
public sealed class DatabaseOptions
{
    public const string Section = "StreamHub:Database";

    /// <summary>EF Core provider. <c>Sqlite</c> is built in; the store is written against EF Core only, so another
    /// provider (PostgreSQL) is a package and a case in <see cref="StreamKeyExtensions"/>, not an endpoint change.</summary>
    public string Provider { get; set; } = "Sqlite";

    /// <summary>Empty: <c>Data Source={DataDirectory}/streamhub.db</c>.</summary>
    public string? ConnectionString { get; set; }
}
