namespace StreamHub.Hosting;

/// <summary>Log output, bound from <c>StreamHub:Logging</c>.</summary>
public sealed class LoggingOptions
{
    public const string Section = "StreamHub:Logging";

    /// <summary><c>text</c> (one readable line per event) or <c>json</c> (one JSON object per line, for log shippers).</summary>
    public string Format { get; set; } = "text";

    /// <summary>Verbose, Debug, Information, Warning, Error or Fatal.</summary>
    public string MinimumLevel { get; set; } = "Information";
}
