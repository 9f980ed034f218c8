using Microsoft.Extensions.Options;
using Npgsql;

namespace StreamHub.StreamKeys;

public sealed class DatabaseOptionsValidator : IValidateOptions<DatabaseOptions>
{
    public ValidateOptionsResult Validate(string? name, DatabaseOptions options)
    {
        if (string.Equals(options.Provider, DatabaseOptions.SqliteProvider, StringComparison.OrdinalIgnoreCase))
        {
            return ValidateOptionsResult.Success;
        }
        if (!options.IsPostgres)
        {
            return ValidateOptionsResult.Fail(
                $"StreamHub:Database:Provider: '{options.Provider}' is not a provider; use {DatabaseOptions.SqliteProvider} or {DatabaseOptions.PostgresProvider}.");
        }
        if (string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            return ValidateOptionsResult.Fail(
                "StreamHub:Database:ConnectionString is required when StreamHub:Database:Provider is Postgres (e.g. Host=db;Database=streamhub;Username=streamhub;Password=...).");
        }
        // Parsed here so a typo stops start-up with the setting's name; the message never repeats the string (it
        // holds a password).
        string? host;
        try
        {
            host = new NpgsqlConnectionStringBuilder(options.ConnectionString).Host;
        }
        catch (ArgumentException ex)
        {
            return ValidateOptionsResult.Fail($"StreamHub:Database:ConnectionString is not a PostgreSQL connection string: {FirstSentence(ex.Message)}");
        }
        return string.IsNullOrWhiteSpace(host)
            ? ValidateOptionsResult.Fail("StreamHub:Database:ConnectionString names no Host (Host=...).")
            : ValidateOptionsResult.Success;
    }

    private static string FirstSentence(string message)
    {
        var end = message.IndexOf(" (Parameter", StringComparison.Ordinal);
        return end < 0 ? message : message[..end];
    }
}
