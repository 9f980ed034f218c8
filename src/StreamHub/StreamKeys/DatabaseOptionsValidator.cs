using Microsoft.Extensions.Options;

namespace StreamHub.StreamKeys;

public sealed class DatabaseOptionsValidator : IValidateOptions<DatabaseOptions>
{
    public ValidateOptionsResult Validate(string? name, DatabaseOptions options) =>
        string.Equals(options.Provider, "Sqlite", StringComparison.OrdinalIgnoreCase)
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail($"StreamHub:Database:Provider: '{options.Provider}' is not available in this build; use Sqlite.");
}
