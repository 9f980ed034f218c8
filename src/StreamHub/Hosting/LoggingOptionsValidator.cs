using Microsoft.Extensions.Options;
using Serilog.Events;

namespace StreamHub.Hosting;

/// <summary>A misspelt format or level stops start-up naming the setting: left alone, it would quietly log text at
/// Information, which is not what the operator asked for and hard to notice.</summary>
public sealed class LoggingOptionsValidator : IValidateOptions<LoggingOptions>
{
    public ValidateOptionsResult Validate(string? name, LoggingOptions options)
    {
        var errors = new List<string>();
        if (!LoggingOptions.Formats.Contains(options.Format, StringComparer.OrdinalIgnoreCase))
        {
            errors.Add($"{LoggingOptions.Section}:Format: '{options.Format}' is not a log format; use {string.Join(" or ", LoggingOptions.Formats)}.");
        }
        if (LoggingOptions.ParseLevel(options.MinimumLevel) is null)
        {
            errors.Add($"{LoggingOptions.Section}:MinimumLevel: '{options.MinimumLevel}' is not a log level; use one of {string.Join(", ", Enum.GetNames<LogEventLevel>())}.");
        }
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
