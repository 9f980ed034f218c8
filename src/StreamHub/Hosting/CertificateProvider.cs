using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Options;

namespace StreamHub.Hosting;

/// <summary>The HTTPS (and later RTMPS) certificate: the configured PEM pair, or a self-signed one generated into
/// <c>{DataDirectory}/tls/</c> on first start and reused after.</summary>
public sealed partial class CertificateProvider(IOptions<HttpsOptions> https, IOptions<ServerOptions> server, ILogger<CertificateProvider> logger)
{
    private readonly Lock _gate = new();
    private X509Certificate2? _certificate;

    public const string GeneratedCertificateFile = "tls/selfsigned.crt.pem";
    public const string GeneratedKeyFile = "tls/selfsigned.key.pem";

    public X509Certificate2 GetCertificate()
    {
        lock (_gate)
        {
            return _certificate ??= Load();
        }
    }

    private X509Certificate2 Load()
    {
        var options = https.Value;
        X509Certificate2 certificate;
        if (!string.IsNullOrWhiteSpace(options.CertificatePath))
        {
            certificate = LoadPem(options.CertificatePath, options.KeyPath!);
            Log.CertificateLoaded(logger, Path.GetFullPath(options.CertificatePath), certificate.Subject, certificate.NotAfter,
                certificate.GetCertHashString(HashAlgorithmName.SHA256));
            return certificate;
        }

        var dataDirectory = server.Value.ResolveDataDirectory();
        var certPath = Path.Combine(dataDirectory, GeneratedCertificateFile);
        var keyPath = Path.Combine(dataDirectory, GeneratedKeyFile);
        if (File.Exists(certPath) && File.Exists(keyPath))
        {
            certificate = LoadPem(certPath, keyPath);
            if (certificate.NotAfter > DateTime.Now.AddDays(7))
            {
                Log.SelfSignedReused(logger, certPath, certificate.GetCertHashString(HashAlgorithmName.SHA256));
                return certificate;
            }
            Log.SelfSignedExpiring(logger, certPath, certificate.NotAfter);
        }

        certificate = SelfSignedCertificate.Create(certPath, keyPath);
        Log.SelfSignedGenerated(logger, certPath, certificate.GetCertHashString(HashAlgorithmName.SHA256));
        return certificate;
    }

    private static X509Certificate2 LoadPem(string certPath, string keyPath)
    {
        using var pem = X509Certificate2.CreateFromPemFile(certPath, keyPath);
        // Round-trip through PKCS#12 so the private key is usable by SslStream on every platform.
        return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), password: null);
    }

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Information, Message = "HTTPS certificate loaded from {Path}: {Subject}, valid until {NotAfter:u}, SHA-256 fingerprint {Fingerprint}")]
        public static partial void CertificateLoaded(ILogger logger, string path, string subject, DateTime notAfter, string fingerprint);

        [LoggerMessage(Level = LogLevel.Warning, Message = "No HTTPS certificate configured (StreamHub:Https:CertificatePath/KeyPath); generated a self-signed one at {Path}, SHA-256 fingerprint {Fingerprint}. Browsers will warn until you configure a real certificate.")]
        public static partial void SelfSignedGenerated(ILogger logger, string path, string fingerprint);

        [LoggerMessage(Level = LogLevel.Information, Message = "Using the self-signed HTTPS certificate at {Path}, SHA-256 fingerprint {Fingerprint}")]
        public static partial void SelfSignedReused(ILogger logger, string path, string fingerprint);

        [LoggerMessage(Level = LogLevel.Warning, Message = "The self-signed HTTPS certificate at {Path} expires {NotAfter:u}; generating a new one")]
        public static partial void SelfSignedExpiring(ILogger logger, string path, DateTime notAfter);
    }
}
