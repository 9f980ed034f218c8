using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using StreamHub.Tests.Infrastructure;

namespace StreamHub.Tests.Hosting;

public sealed class CertificateTests
{
    [Fact]
    public async Task Without_a_configured_certificate_a_self_signed_one_is_generated_logged_by_fingerprint_and_reused()
    {
        var settings = StreamHubProcess.DefaultSettings();
        string fingerprint;
        await using (var first = StreamHubProcess.Start(settings))
        {
            await first.WaitUntilReadyAsync();
            var certFile = Path.Combine(first.DataDirectory, "tls", "selfsigned.crt.pem");
            Assert.True(File.Exists(certFile));
            using var onDisk = X509Certificate2.CreateFromPem(await File.ReadAllTextAsync(certFile));
            fingerprint = onDisk.GetCertHashString(HashAlgorithmName.SHA256);
            Assert.Contains($"SHA-256 fingerprint {fingerprint}", first.Output);
            Assert.Equal(fingerprint, await PresentedFingerprintAsync(first.HttpsPort));
        }

        var again = StreamHubProcess.WithFreshPorts(settings);
        await using var second = StreamHubProcess.Start(again);
        await second.WaitUntilReadyAsync();
        Assert.Contains($"Using the self-signed HTTPS certificate", second.Output);
        Assert.Equal(fingerprint, await PresentedFingerprintAsync(second.HttpsPort));
    }

    [Fact]
    public async Task A_configured_pem_pair_is_served()
    {
        var directory = Directory.CreateTempSubdirectory("streamhub-pem-").FullName;
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=streamhub.example", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        var certPath = Path.Combine(directory, "fullchain.pem");
        var keyPath = Path.Combine(directory, "privkey.pem");
        await File.WriteAllTextAsync(certPath, certificate.ExportCertificatePem());
        await File.WriteAllTextAsync(keyPath, key.ExportRSAPrivateKeyPem());

        var settings = StreamHubProcess.DefaultSettings();
        settings["StreamHub__Https__CertificatePath"] = certPath;
        settings["StreamHub__Https__KeyPath"] = keyPath;
        await using var server = StreamHubProcess.Start(settings);
        await server.WaitUntilReadyAsync();

        Assert.Equal(certificate.GetCertHashString(HashAlgorithmName.SHA256), await PresentedFingerprintAsync(server.HttpsPort));
        Assert.False(Directory.Exists(Path.Combine(server.DataDirectory, "tls")));
    }

    [Fact]
    public async Task A_pem_pair_whose_key_belongs_to_another_certificate_stops_start_up_naming_the_settings_and_the_file()
    {
        var directory = Directory.CreateTempSubdirectory("streamhub-pem-").FullName;
        TestCertificates.WriteSelfSignedPair(directory, "one.example");
        var other = Directory.CreateTempSubdirectory("streamhub-pem-").FullName;
        TestCertificates.WriteSelfSignedPair(other, "two.example");
        var settings = StreamHubProcess.DefaultSettings();
        settings["StreamHub__Https__CertificatePath"] = Path.Combine(directory, "fullchain.pem");
        settings["StreamHub__Https__KeyPath"] = Path.Combine(other, "privkey.pem");

        await using var server = StreamHubProcess.Start(settings);

        Assert.Equal(2, await server.WaitForExitAsync(StreamHubProcess.StartTimeout));
        Assert.Contains("Bad setting", server.Output);
        Assert.Contains($"StreamHub:Https:CertificatePath/KeyPath: {Path.Combine(other, "privkey.pem")} does not hold the private key of the certificate in {Path.Combine(directory, "fullchain.pem")}", server.Output);
    }

    private static async Task<string> PresentedFingerprintAsync(int port)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync("127.0.0.1", port);
        await using var tls = new SslStream(tcp.GetStream(), false, (_, _, _, _) => true);
        await tls.AuthenticateAsClientAsync("localhost");
        return tls.RemoteCertificate!.GetCertHashString(HashAlgorithmName.SHA256);
    }
}
