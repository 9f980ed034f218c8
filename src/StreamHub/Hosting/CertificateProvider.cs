using System.Net.Security;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.Options;

namespace StreamHub.Hosting;

/// <summary>The certificate of the HTTPS and RTMPS listeners: the configured PEM pair, reloaded when its files change,
/// or a self-signed one generated into <c>{DataDirectory}/tls/</c> on first start and reused after. Every TLS handshake
/// asks for the current one, so a renewed certificate reaches new connections while open ones keep the one they began
/// with.</summary>
public sealed partial class CertificateProvider(IOptions<HttpsOptions> https, IOptions<ServerOptions> server, TimeProvider time,
    ILogger<CertificateProvider> logger) : IDisposable
{
    private readonly Lock _gate = new();
    private ServerCertificate? _current;
    private byte[] _loadedDigest = [];
    private string? _lastProblem;
    private CertificateFileWatcher? _watcher;

    public const string GeneratedCertificateFile = "tls/selfsigned.crt.pem";
    public const string GeneratedKeyFile = "tls/selfsigned.key.pem";

    /// <summary>False only in tests that call <see cref="CheckForChanges"/> themselves and want no timer doing it too.</summary>
    internal bool WatchesFiles { get; init; } = true;

    /// <summary>The certificate new handshakes get; loaded on first use.</summary>
    public ServerCertificate Current => Volatile.Read(ref _current) ?? LoadFirst();

    /// <summary>TLS set-up for a listener: each handshake takes the current certificate (with its chain).</summary>
    public TlsHandshakeCallbackOptions CreateTlsHandshakeOptions() => new()
    {
        OnConnection = _ => ValueTask.FromResult(new SslServerAuthenticationOptions { ServerCertificateContext = Current.Context }),
    };

    /// <summary>Reads the configured pair and, when its content differs from what was loaded, swaps it in. A pair that
    /// does not load (half written, the key of another certificate) keeps the current certificate, with a warning that
    /// names the file; the same problem is not logged again until it changes. Returns whether the certificate was
    /// swapped.</summary>
    internal bool CheckForChanges()
    {
        var options = https.Value;
        if (!IsConfigured(options))
        {
            return false;
        }
        lock (_gate)
        {
            if (_current is not { } current)
            {
                return false;
            }
            if (!ServerCertificate.TryReadPemFile(options.CertificatePath!, out var certificateText, out var problem)
                || !ServerCertificate.TryReadPemFile(options.KeyPath!, out var keyText, out problem))
            {
                Refuse(problem!, current);
                return false;
            }
            var digest = Digest(certificateText, keyText);
            if (digest.AsSpan().SequenceEqual(_loadedDigest))
            {
                _lastProblem = null;
                return false;
            }
            if (!ServerCertificate.TryCreate(options.CertificatePath!, certificateText, options.KeyPath!, keyText, out var next, out problem))
            {
                Refuse(problem!, current);
                return false;
            }
            // The previous certificate is not disposed: connections that began with it may still be using it.
            Volatile.Write(ref _current, next);
            _loadedDigest = digest;
            _lastProblem = null;
            Log.CertificateReloaded(logger, Path.GetFullPath(options.CertificatePath!), next!.Subject, next.NotAfter, next.Fingerprint, current.Fingerprint);
            return true;
        }
    }

    private void Refuse(string problem, ServerCertificate current)
    {
        if (problem != _lastProblem)
        {
            Log.ReloadRefused(logger, problem, current.Fingerprint);
            _lastProblem = problem;
        }
    }

    private ServerCertificate LoadFirst()
    {
        var options = https.Value;
        ServerCertificate certificate;
        lock (_gate)
        {
            if (_current is { } loaded)
            {
                return loaded;
            }
            certificate = IsConfigured(options) ? LoadConfigured(options) : LoadSelfSigned();
            Volatile.Write(ref _current, certificate);
        }
        if (IsConfigured(options) && WatchesFiles)
        {
            // Started outside the lock: the watcher's callback takes it.
            _watcher = new CertificateFileWatcher([options.CertificatePath!, options.KeyPath!], () => CheckForChanges(), time, logger);
        }
        return certificate;
    }

    private ServerCertificate LoadConfigured(HttpsOptions options)
    {
        if (!ServerCertificate.TryReadPemFile(options.CertificatePath!, out var certificateText, out var problem)
            || !ServerCertificate.TryReadPemFile(options.KeyPath!, out var keyText, out problem)
            || !ServerCertificate.TryCreate(options.CertificatePath!, certificateText, options.KeyPath!, keyText, out var certificate, out problem))
        {
            throw new OptionsValidationException(HttpsOptions.Section, typeof(HttpsOptions), [$"StreamHub:Https:CertificatePath/KeyPath: {problem}"]);
        }
        _loadedDigest = Digest(certificateText, keyText);
        Log.CertificateLoaded(logger, Path.GetFullPath(options.CertificatePath!), certificate!.Subject, certificate.NotAfter, certificate.Fingerprint);
        return certificate;
    }

    private ServerCertificate LoadSelfSigned()
    {
        var dataDirectory = server.Value.ResolveDataDirectory();
        var certPath = Path.Combine(dataDirectory, GeneratedCertificateFile);
        var keyPath = Path.Combine(dataDirectory, GeneratedKeyFile);
        if (File.Exists(certPath) && File.Exists(keyPath))
        {
            if (ServerCertificate.TryLoadPem(certPath, keyPath, out var existing, out var problem)
                && existing!.NotAfter > time.GetLocalNow().DateTime.AddDays(7))
            {
                Log.SelfSignedReused(logger, certPath, existing.Fingerprint);
                return existing;
            }
            Log.SelfSignedReplaced(logger, certPath, problem ?? $"it expires {existing!.NotAfter:u}");
        }

        var generated = ServerCertificate.FromCertificate(SelfSignedCertificate.Create(certPath, keyPath));
        Log.SelfSignedGenerated(logger, certPath, generated.Fingerprint);
        return generated;
    }

    private static bool IsConfigured(HttpsOptions options) => !string.IsNullOrWhiteSpace(options.CertificatePath);

    private static byte[] Digest(string certificateText, string keyText) =>
        SHA256.HashData(Encoding.UTF8.GetBytes(certificateText + "\0" + keyText));

    public void Dispose() => _watcher?.Dispose();

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Information, Message = "HTTPS certificate loaded from {Path}: {Subject}, valid until {NotAfter:u}, SHA-256 fingerprint {Fingerprint}")]
        public static partial void CertificateLoaded(ILogger logger, string path, string subject, DateTime notAfter, string fingerprint);

        [LoggerMessage(Level = LogLevel.Information, Message = "HTTPS certificate reloaded from {Path}: {Subject}, valid until {NotAfter:u}, SHA-256 fingerprint {Fingerprint} (was {PreviousFingerprint}); new TLS connections get it, open ones keep theirs")]
        public static partial void CertificateReloaded(ILogger logger, string path, string subject, DateTime notAfter, string fingerprint, string previousFingerprint);

        [LoggerMessage(Level = LogLevel.Warning, Message = "The changed HTTPS certificate files do not load, so the current certificate (SHA-256 fingerprint {Fingerprint}) stays: {Problem}")]
        public static partial void ReloadRefused(ILogger logger, string problem, string fingerprint);

        [LoggerMessage(Level = LogLevel.Warning, Message = "No HTTPS certificate configured (StreamHub:Https:CertificatePath/KeyPath); generated a self-signed one at {Path}, SHA-256 fingerprint {Fingerprint}. Browsers will warn until you configure a real certificate.")]
        public static partial void SelfSignedGenerated(ILogger logger, string path, string fingerprint);

        [LoggerMessage(Level = LogLevel.Information, Message = "Using the self-signed HTTPS certificate at {Path}, SHA-256 fingerprint {Fingerprint}")]
        public static partial void SelfSignedReused(ILogger logger, string path, string fingerprint);

        [LoggerMessage(Level = LogLevel.Warning, Message = "The self-signed HTTPS certificate at {Path} is replaced with a new one: {Reason}")]
        public static partial void SelfSignedReplaced(ILogger logger, string path, string reason);
    }
}
