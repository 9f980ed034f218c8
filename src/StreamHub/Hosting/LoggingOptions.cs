using Serilog.Events;

namespace StreamHub.Hosting;

/// <summary>Log output, bound from <c>StreamHub:Logging</c>; checked at start-up by <see cref="LoggingOptionsValidator"/>.</summary>
public sealed class LoggingOptions
{
    public const string Section = "StreamHub:Logging";

    /// <summary>The values <see cref="Format"/> takes (any case).</summary>
    public static readonly string[] Formats = ["text", "json"];

    /// <summary><c>text</c> (one readable line per event) or <c>json</c> (one JSON object per line, for log shippers).</summary>
    public string Format { get; set; } = "text";

    /// <summary>Verbose, Debug, Information, Warning, Error or Fatal.</summary>
    public string MinimumLevel { get; set; } = "Information";

    /// <summary>The level a setting names (any case), or null for anything else. Numbers are refused: Enum.TryParse
    /// would take "7" as a level that does not exist.</summary>
    public static LogEventLevel? ParseLevel(string? text) =>
        Enum.GetNames<LogEventLevel>().FirstOrDefault(n => string.Equals(n, text?.Trim(), StringComparison.OrdinalIgnoreCase)) is { } known
            ? Enum.Parse<LogEventLevel>(known)
            : null;
}
