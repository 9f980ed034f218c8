using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace StreamHub.Tests.Infrastructure;

/// <summary>Certificates for TLS tests, written as PEM files the way nginx and certbot keep them, and the certificate a
/// TLS listener presents.</summary>
public static class TestCertificates
{
    /// <summary>A self-signed certificate for <c>localhost</c> and 127.0.0.1 with its key, as two PEM files in
    /// <paramref name="directory"/>; returns the certificate's SHA-256 fingerprint.</summary>
    public static string WriteSelfSignedPair(string directory, string commonName, string certificateFile = "fullchain.pem", string keyFile = "privkey.pem")
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var certificate = ServerRequest(commonName, key).CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(30));
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, certificateFile), certificate.ExportCertificatePem());
        File.WriteAllText(Path.Combine(directory, keyFile), key.ExportPkcs8PrivateKeyPem());
        return certificate.GetCertHashString(HashAlgorithmName.SHA256);
    }

    /// <summary>A root and an intermediate CA and a leaf they issued; the leaf's file holds the leaf then the
    /// intermediate (as certbot's fullchain.pem). Returns the root, the intermediate and the leaf (without keys).</summary>
    public static (X509Certificate2 Root, X509Certificate2 Intermediate, X509Certificate2 Leaf) WriteIssuedPair(string directory, string commonName)
    {
        var now = DateTimeOffset.UtcNow;
        using var rootKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var rootRequest = new CertificateRequest("CN=Test Root CA", rootKey, HashAlgorithmName.SHA256);
        rootRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        rootRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        using var root = rootRequest.CreateSelfSigned(now.AddDays(-1), now.AddDays(60));

        using var intermediateKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var intermediateRequest = new CertificateRequest("CN=Test Intermediate CA", intermediateKey, HashAlgorithmName.SHA256);
        intermediateRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        intermediateRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        intermediateRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(intermediateRequest.PublicKey, false));
        using var intermediatePublic = intermediateRequest.Create(root, now.AddDays(-1), now.AddDays(50), [1, 2, 3, 4]);
        using var intermediate = intermediatePublic.CopyWithPrivateKey(intermediateKey);

        using var leafKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var leaf = ServerRequest(commonName, leafKey).Create(intermediate, now.AddMinutes(-5), now.AddDays(40), [5, 6, 7, 8]);

        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, "fullchain.pem"), leaf.ExportCertificatePem() + "\n" + intermediate.ExportCertificatePem() + "\n");
        File.WriteAllText(Path.Combine(directory, "privkey.pem"), leafKey.ExportPkcs8PrivateKeyPem());
        return (X509CertificateLoader.LoadCertificate(root.RawData), X509CertificateLoader.LoadCertificate(intermediate.RawData),
            X509CertificateLoader.LoadCertificate(leaf.RawData));
    }

    /// <summary>The SHA-256 fingerprint of the first certificate in a PEM file.</summary>
    public static string FingerprintOfPemFile(string path)
    {
        using var certificate = X509Certificate2.CreateFromPem(File.ReadAllText(path));
        return certificate.GetCertHashString(HashAlgorithmName.SHA256);
    }

    /// <summary>Opens a TLS connection to 127.0.0.1:<paramref name="port"/> (accepting any certificate) and returns the
    /// fingerprint of the certificate the server presented.</summary>
    public static async Task<string> PresentedFingerprintAsync(int port)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, port);
        await using var tls = new SslStream(tcp.GetStream(), false, (_, _, _, _) => true);
        await tls.AuthenticateAsClientAsync("localhost");
        return tls.RemoteCertificate!.GetCertHashString(HashAlgorithmName.SHA256);
    }

    /// <summary>Waits until a new TLS connection to <paramref name="port"/> is presented the certificate with
    /// <paramref name="fingerprint"/>; fails with the last one seen otherwise.</summary>
    public static async Task WaitForPresentedAsync(int port, string fingerprint, TimeSpan timeout, Func<string>? describe = null)
    {
        var deadline = DateTime.UtcNow + timeout;
        var last = "";
        while (DateTime.UtcNow < deadline)
        {
            last = await PresentedFingerprintAsync(port);
            if (last == fingerprint)
            {
                return;
            }
            await Task.Delay(200);
        }
        Assert.Fail($"Port {port} still presented {last}, not {fingerprint}, after {timeout}.\n{describe?.Invoke()}");
    }

    private static CertificateRequest ServerRequest(string commonName, ECDsa key)
    {
        var request = new CertificateRequest($"CN={commonName}", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        return request;
    }
}
