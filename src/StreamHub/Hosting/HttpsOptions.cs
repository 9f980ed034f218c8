using System.ComponentModel.DataAnnotations;

namespace StreamHub.Hosting;

/// <summary>The HTTPS listener, bound from <c>StreamHub:Https</c>. The certificate is a PEM pair, as nginx takes it
/// (<c>ssl_certificate</c> / <c>ssl_certificate_key</c>); with neither set, a self-signed one is generated into the data
/// directory on first start and reused.</summary>
public sealed class HttpsOptions
{
    public const string Section = "StreamHub:Https";

    /// <summary>TCP port; 0 turns the listener off.</summary>
    [Range(0, 65535, ErrorMessage = "StreamHub:Https:Port must be between 0 (off) and 65535.")]
    public int Port { get; set; } = 443;

    /// <summary>Also accept RTMPS (RTMP in TLS, with this listener's certificate) on this port, told apart from HTTP by the first byte of the connection
    /// (0x03, RTMP's C0), for encoders behind firewalls that only let web ports out.</summary>
    public bool AcceptRtmp { get; set; } = true;

    /// <summary>PEM certificate (chain) file.</summary>
    public string? CertificatePath { get; set; }

    /// <summary>PEM private key file (unencrypted PKCS#8, PKCS#1 or SEC1).</summary>
    public string? KeyPath { get; set; }

    /// <summary>The webroot an ACME client writes http-01 challenges into (<c>certbot --webroot -w</c> this directory):
    /// <c>/.well-known/acme-challenge/{token}</c> is served from <c>{AcmeWebroot}/.well-known/acme-challenge/</c> on the
    /// HTTP and HTTPS ports. Empty: <c>{DataDirectory}/acme-webroot</c>.</summary>
    public string? AcmeWebroot { get; set; }

    public string ResolveAcmeWebroot(ServerOptions server) => string.IsNullOrWhiteSpace(AcmeWebroot)
        ? Path.Combine(server.ResolveDataDirectory(), "acme-webroot")
        : Path.GetFullPath(AcmeWebroot);
}
