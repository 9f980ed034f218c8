namespace StreamHub.Restream;

/// <summary>One platform a live stream is pushed on to, as the pusher needs it: where to connect and the platform's
/// stream key in clear (decrypted from the store only to be sent; never logged, never returned by the API).</summary>
/// <param name="Id">The target's id in the store.</param>
/// <param name="StreamName">The StreamHub stream (public name) it restreams.</param>
/// <param name="Name">The target's name, unique per stream (e.g. "youtube"): in log lines, the API and metrics.</param>
/// <param name="Scheme">rtmp or rtmps.</param>
/// <param name="Host">Host name or address to connect to.</param>
/// <param name="Port">TCP port (1935 for rtmp, 443 for rtmps unless the URL says otherwise).</param>
/// <param name="Application">The RTMP application (connect's app and tcUrl path), e.g. "live2" or "rtmp/".</param>
/// <param name="Key">The platform's stream key: the publish name, with any query string (e.g. Twitch's
/// <c>?bandwidthtest=true</c>).</param>
/// <param name="Enabled">Pushed while the stream is live.</param>
/// <param name="AllowUntrustedCertificate">RTMPS only: accept a certificate the system does not trust (a self-signed
/// test server). Off by default.</param>
public sealed record RestreamTarget(
    long Id,
    string StreamName,
    string Name,
    RestreamScheme Scheme,
    string Host,
    int Port,
    string Application,
    string Key,
    bool Enabled,
    bool AllowUntrustedCertificate)
{
    /// <summary>The key must never reach a log line or a debugger display through the record's generated ToString.</summary>
    public override string ToString() => $"{Name} ({Scheme.ToString().ToLowerInvariant()}://{Host}:{Port}/{Application})";
}
