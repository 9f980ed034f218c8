using Serilog;
using Serilog.Events;
using Serilog.Formatting.Compact;
using StreamHub.Hosting;

namespace StreamHub.Diagnostics;

/// <summary>Serilog for every log line: readable text by default, one JSON object a line with
/// <c>StreamHub:Logging:Format=json</c>.</summary>
public static class LoggingExtensions
{
    public const string TextTemplate = "[{Timestamp:HH:mm:ss.fff} {Level:u3}] {SourceContext}: {Message:lj}{NewLine}{Exception}";

    /// <summary>The logger used before the host exists, so a failure while starting still reaches the console.</summary>
    public static Serilog.ILogger CreateBootstrapLogger(IConfiguration configuration) =>
        Configure(new LoggerConfiguration(), configuration).CreateBootstrapLogger();

    public static WebApplicationBuilder AddStreamHubLogging(this WebApplicationBuilder builder)
    {
        builder.Services.AddSerilog((_, logger) => Configure(logger, builder.Configuration));
        return builder;
    }

    private static LoggerConfiguration Configure(LoggerConfiguration logger, IConfiguration configuration)
    {
        var options = configuration.GetSection(LoggingOptions.Section).Get<LoggingOptions>() ?? new LoggingOptions();
        var level = Enum.TryParse<LogEventLevel>(options.MinimumLevel, ignoreCase: true, out var parsed) ? parsed : LogEventLevel.Information;
        logger.MinimumLevel.Is(level)
            .MinimumLevel.Override("Microsoft.AspNetCore", LogEventLevel.Warning)
            .MinimumLevel.Override("Microsoft.AspNetCore.Hosting.Diagnostics", LogEventLevel.Warning)
            .MinimumLevel.Override("Microsoft.EntityFrameworkCore", LogEventLevel.Warning)
            .MinimumLevel.Override("Microsoft.Hosting.Lifetime", LogEventLevel.Warning)
            .Enrich.FromLogContext()
            // Program logs start-up failures itself, in one line a person can act on; the host's own copy with a
            // stack trace would only bury it.
            .Filter.ByExcluding(e => e.MessageTemplate.Text == "Hosting failed to start");
        return string.Equals(options.Format, "json", StringComparison.OrdinalIgnoreCase)
            ? logger.WriteTo.Console(new RenderedCompactJsonFormatter())
            : logger.WriteTo.Console(outputTemplate: TextTemplate);
    }
}
