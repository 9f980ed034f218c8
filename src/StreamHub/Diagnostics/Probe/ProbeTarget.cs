namespace StreamHub.Diagnostics.Probe;

/// <summary>What to probe, from an <c>rtmp://</c> or <c>rtmps://</c> URL: host, port (1935 / 443 by default),
/// TLS or not, and the application.</summary>
public sealed record ProbeTarget(string Url, string Host, int Port, bool Tls, string Application)
{
    public static bool TryParse(string text, out ProbeTarget target, out string error)
    {
        target = null!;
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || uri.Scheme is not ("rtmp" or "rtmps") || string.IsNullOrEmpty(uri.Host))
        {
            error = $"'{text}' is not an rtmp:// or rtmps:// URL (e.g. rtmp://example.com:1935/live).";
            return false;
        }
        var tls = uri.Scheme == "rtmps";
        var port = uri.IsDefaultPort || uri.Port <= 0 ? (tls ? 443 : 1935) : uri.Port;
        var application = uri.AbsolutePath.Trim('/').Split('/', 2)[0];
        target = new ProbeTarget(text, uri.IdnHost, port, tls, string.IsNullOrEmpty(application) ? "live" : application);
        error = "";
        return true;
    }
}
