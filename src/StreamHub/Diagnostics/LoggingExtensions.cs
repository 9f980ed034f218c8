using Microsoft.Extensions.Options;
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
    /// <remarks>It reads the settings as they are, unchecked: a bad one is reported through this logger, at
    /// Information, and stops start-up.</remarks>
    public static Serilog.ILogger CreateBootstrapLogger(IConfiguration configuration) =>
        Configure(new LoggerConfiguration(), configuration.GetSection(LoggingOptions.Section).Get<LoggingOptions>() ?? new LoggingOptions())
            .CreateBootstrapLogger();

    public static WebApplicationBuilder AddStreamHubLogging(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<LoggingOptions>().BindConfiguration(LoggingOptions.Section).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<LoggingOptions>, LoggingOptionsValidator>();
        // Through IOptions, so a bad setting throws here, as the host builds its logger, and stops start-up.
        builder.Services.AddSerilog((services, logger) => Configure(logger, services.GetRequiredService<IOptions<LoggingOptions>>().Value));
        return builder;
    }

    private static LoggerConfiguration Configure(LoggerConfiguration logger, LoggingOptions options)
    {
        var level = LoggingOptions.ParseLevel(options.MinimumLevel) ?? LogEventLevel.Information;
        logger.MinimumLevel.Is(level)
            .MinimumLevel.Override("Microsoft.AspNetCore", LogEventLevel.Warning)
            .MinimumLevel.Override("Microsoft.AspNetCore.Hosting.Diagnostics", LogEventLevel.Warning)
            .MinimumLevel.Override("Microsoft.EntityFrameworkCore", LogEventLevel.Warning)
            // EF logs every failed SQL command at Error, including the migration-history query it expects to fail on a
            // new PostgreSQL database; a real failure reaches the caller as an exception, which is logged where it is
            // handled, with what to do about it.
            .MinimumLevel.Override("Microsoft.EntityFrameworkCore.Database.Command", LogEventLevel.Fatal)
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
