using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace StreamHub.Hosting;

/// <summary>One certificate as the TLS listeners present it: the leaf with its private key, and the context SslStream
/// sends (the leaf and the intermediates of the chain file, so clients that trust only the root can verify it).</summary>
public sealed class ServerCertificate
{
    /// <summary>A PEM certificate chain is a few KiB; a file larger than this is not one, and is not read into memory.</summary>
    public const long MaxPemFileBytes = 1024 * 1024;

    private ServerCertificate(X509Certificate2 leaf, X509Certificate2Collection intermediates)
    {
        Leaf = leaf;
        // offline: the intermediates come from the chain file; nothing is fetched from the network during a handshake.
        Context = SslStreamCertificateContext.Create(leaf, intermediates, offline: true);
        Fingerprint = leaf.GetCertHashString(HashAlgorithmName.SHA256);
    }

    public X509Certificate2 Leaf { get; }
    public SslStreamCertificateContext Context { get; }
    public string Fingerprint { get; }
    public string Subject => Leaf.Subject;
    public DateTime NotAfter => Leaf.NotAfter;

    /// <summary>A certificate that already holds its private key (the generated self-signed one).</summary>
    public static ServerCertificate FromCertificate(X509Certificate2 leafWithKey) => new(leafWithKey, []);

    /// <summary>Reads a PEM pair, as nginx's <c>ssl_certificate</c> (the leaf first, then its intermediates) and
    /// <c>ssl_certificate_key</c>. On failure <paramref name="problem"/> says what is wrong and names the file.</summary>
    public static bool TryLoadPem(string certificatePath, string keyPath, out ServerCertificate? certificate, out string? problem)
    {
        certificate = null;
        if (!TryReadPemFile(certificatePath, out var certificateText, out problem) || !TryReadPemFile(keyPath, out var keyText, out problem))
        {
            return false;
        }
        return TryCreate(certificatePath, certificateText, keyPath, keyText, out certificate, out problem);
    }

    /// <summary>Reads a file of at most <see cref="MaxPemFileBytes"/> (following symbolic links).</summary>
    public static bool TryReadPemFile(string path, out string text, out string? problem)
    {
        text = "";
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            if (stream.Length > MaxPemFileBytes)
            {
                problem = $"{path} is {stream.Length} bytes, more than a PEM certificate or key can be ({MaxPemFileBytes} bytes)";
                return false;
            }
            using var reader = new StreamReader(stream, Encoding.ASCII);
            text = reader.ReadToEnd();
            problem = null;
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            problem = $"{path} cannot be read: {ex.Message}";
            return false;
        }
    }

    /// <summary>Builds the certificate from PEM text already read; the paths only name the files in
    /// <paramref name="problem"/>.</summary>
    public static bool TryCreate(string certificatePath, string certificateText, string keyPath, string keyText,
        out ServerCertificate? certificate, out string? problem)
    {
        certificate = null;
        var chain = new X509Certificate2Collection();
        try
        {
            chain.ImportFromPem(certificateText);
        }
        catch (CryptographicException ex)
        {
            problem = $"{certificatePath} holds a PEM certificate that cannot be parsed: {ex.Message}";
            return false;
        }
        if (chain.Count == 0)
        {
            problem = $"{certificatePath} holds no PEM certificate (-----BEGIN CERTIFICATE-----)";
            return false;
        }
        if (!keyText.Contains("PRIVATE KEY-----", StringComparison.Ordinal))
        {
            problem = $"{keyPath} holds no PEM private key (-----BEGIN PRIVATE KEY----- or RSA/EC PRIVATE KEY)";
            return false;
        }

        X509Certificate2 leafWithKey;
        try
        {
            using var pem = X509Certificate2.CreateFromPem(chain[0].ExportCertificatePem(), keyText);
            // Round-trip through PKCS#12 so the private key is usable by SslStream on every platform.
            leafWithKey = X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), password: null);
        }
        catch (Exception ex) when (ex is CryptographicException or ArgumentException)
        {
            problem = $"{keyPath} does not hold the private key of the certificate in {certificatePath} (or cannot be parsed): {ex.Message}";
            return false;
        }

        var intermediates = new X509Certificate2Collection();
        for (var i = 1; i < chain.Count; i++)
        {
            intermediates.Add(chain[i]);
        }
        certificate = new ServerCertificate(leafWithKey, intermediates);
        problem = null;
        return true;
    }
}
