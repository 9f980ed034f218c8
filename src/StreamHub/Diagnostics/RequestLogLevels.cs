using Serilog.Events;

namespace StreamHub.Diagnostics;

/// <summary>Request log levels: players fetch a playlist every couple of seconds and a segment per segment, so
/// successful HLS, health and RTMPT tunnel requests, and refused RTMPT opens, are Debug (a thousand viewers would otherwise bury everything else); other
/// requests are Information, client errors Warning, server errors Error.</summary>
public static class RequestLogLevels
{
    public static LogEventLevel For(HttpContext context, double elapsedMs, Exception? exception)
    {
        var status = context.Response.StatusCode;
        var path = context.Request.Path;
        // A refused RTMPT open is a flood being held off; the tunnel table logs it at most every 10 s.
        if (exception is null && path.StartsWithSegments("/open") && status is StatusCodes.Status429TooManyRequests or StatusCodes.Status503ServiceUnavailable)
        {
            return LogEventLevel.Debug;
        }
        // A player that went away while its blocking playlist reload or hinted part waited gets a 503 nobody reads;
        // with a thousand viewers, every one that closes its page would otherwise be an error line.
        if (exception is null && path.StartsWithSegments("/hls") && context.RequestAborted.IsCancellationRequested)
        {
            return LogEventLevel.Debug;
        }
        if (exception is not null || status >= 500)
        {
            return LogEventLevel.Error;
        }
        var routine = path.StartsWithSegments("/hls") || path.StartsWithSegments("/healthz") || path.StartsWithSegments("/readyz")
            || path.StartsWithSegments("/lib") || path.StartsWithSegments("/swagger")
            || path.StartsWithSegments("/send") || path.StartsWithSegments("/idle") || path.StartsWithSegments("/open")
            || path.StartsWithSegments("/close");
        if (routine && status < 400)
        {
            return LogEventLevel.Debug;
        }
        return status >= 400 && status != 404 ? LogEventLevel.Warning : LogEventLevel.Information;
    }
}
