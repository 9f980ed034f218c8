namespace StreamHub.Diagnostics.Probe;

/// <summary>What to probe, from an <c>rtmp://</c>, <c>rtmps://</c>, <c>rtmpt://</c> or <c>rtmpts://</c> URL: host,
/// port (1935, 443, 80 and 443 by default), TLS or not, tunnelled in HTTP (RTMPT) or not, and the application.</summary>
public sealed record ProbeTarget(string Url, string Host, int Port, bool Tls, string Application, bool Tunnel = false)
{
    /// <summary>The URL scheme an encoder would use for this target.</summary>
    public string Scheme => (Tunnel, Tls) switch
    {
        (true, true) => "rtmpts",
        (true, false) => "rtmpt",
        (false, true) => "rtmps",
        _ => "rtmp",
    };

    /// <summary>How the report names the protocol.</summary>
    public string Protocol => Scheme.ToUpperInvariant();

    public static bool TryParse(string text, out ProbeTarget target, out string error)
    {
        target = null!;
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || uri.Scheme is not ("rtmp" or "rtmps" or "rtmpt" or "rtmpts") || string.IsNullOrEmpty(uri.Host))
        {
            error = $"'{text}' is not an rtmp://, rtmps://, rtmpt:// or rtmpts:// URL (e.g. rtmp://example.com:1935/live).";
            return false;
        }
        var tls = uri.Scheme is "rtmps" or "rtmpts";
        var tunnel = uri.Scheme is "rtmpt" or "rtmpts";
        var defaultPort = tls ? 443 : tunnel ? 80 : 1935;
        var port = uri.IsDefaultPort || uri.Port <= 0 ? defaultPort : uri.Port;
        var application = uri.AbsolutePath.Trim('/').Split('/', 2)[0];
        target = new ProbeTarget(text, uri.IdnHost, port, tls, string.IsNullOrEmpty(application) ? "live" : application, tunnel);
        error = "";
        return true;
    }
}
