using Serilog.Events;

namespace StreamHub.Diagnostics;

/// <summary>The properties of the request log line. The RTMPT paths carry the tunnel's session id, which is the
/// tunnel's only credential, so it is masked: <c>/idle/{id}/7</c> is logged as <c>/idle/*/7</c>.</summary>
public static class RequestLogProperties
{
    private static readonly string[] TunnelVerbs = ["/send/", "/idle/", "/close/"];

    public static IEnumerable<LogEventProperty> For(HttpContext context, string path, double elapsedMs, int statusCode) =>
    [
        new("RequestMethod", new ScalarValue(context.Request.Method)),
        new("RequestPath", new ScalarValue(WithoutTunnelId(path))),
        new("StatusCode", new ScalarValue(statusCode)),
        new("Elapsed", new ScalarValue(elapsedMs)),
    ];

    public static string WithoutTunnelId(string path)
    {
        foreach (var verb in TunnelVerbs)
        {
            if (path.StartsWith(verb, StringComparison.Ordinal))
            {
                var end = path.IndexOf('/', verb.Length);
                return end < 0 ? verb + "*" : verb + "*" + path[end..];
            }
        }
        return path;
    }
}
