using System.IO.Pipelines;
using System.Net;
using System.Net.Http.Json;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using StreamHub.Tests.Infrastructure;
using StreamHub.Tests.Rtmp;

namespace StreamHub.Tests.Hosting;

/// <summary>The certificate files replaced under a running StreamHub process: new handshakes get the new certificate,
/// a TLS connection opened before carries on with the old one, and a broken replacement changes nothing.</summary>
public sealed class CertificateReloadTests
{
    private static readonly TimeSpan ReloadTimeout = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Replacing_the_pem_files_changes_the_presented_certificate_while_a_connection_opened_before_stays_usable()
    {
        var certs = Directory.CreateTempSubdirectory("streamhub-reload-").FullName;
        var first = TestCertificates.WriteSelfSignedPair(certs, "first.example");
        var settings = StreamHubProcess.DefaultSettings();
        settings["StreamHub__Https__CertificatePath"] = Path.Combine(certs, "fullchain.pem");
        settings["StreamHub__Https__KeyPath"] = Path.Combine(certs, "privkey.pem");
        await using var server = StreamHubProcess.Start(settings);
        await server.WaitUntilReadyAsync();

        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, server.HttpsPort);
        await using var before = new SslStream(tcp.GetStream(), false, (_, _, _, _) => true);
        await before.AuthenticateAsClientAsync("localhost");
        Assert.Equal(first, before.RemoteCertificate!.GetCertHashString(HashAlgorithmName.SHA256));
        Assert.StartsWith("HTTP/1.1 200", await GetOverAsync(before, "/healthz"));

        // Written in place, certificate then key, as `cp` would.
        var staging = Directory.CreateTempSubdirectory("streamhub-reload-new-").FullName;
        var second = TestCertificates.WriteSelfSignedPair(staging, "second.example");
        File.Copy(Path.Combine(staging, "fullchain.pem"), Path.Combine(certs, "fullchain.pem"), overwrite: true);
        File.Copy(Path.Combine(staging, "privkey.pem"), Path.Combine(certs, "privkey.pem"), overwrite: true);

        await TestCertificates.WaitForPresentedAsync(server.HttpsPort, second, ReloadTimeout, () => server.Output);
        // The log line is written as the swap happens; the captured output may trail the handshake a little.
        await server.WaitForOutputAsync($"CN=second.example, valid until", ReloadTimeout);
        await server.WaitForOutputAsync($"SHA-256 fingerprint {second} (was {first})", ReloadTimeout);
        // The connection opened before the swap still answers, and still over the first certificate.
        Assert.StartsWith("HTTP/1.1 200", await GetOverAsync(before, "/healthz"));
        Assert.Equal(first, before.RemoteCertificate!.GetCertHashString(HashAlgorithmName.SHA256));

        // A broken replacement: a warning naming the file, and the second certificate stays.
        await File.WriteAllTextAsync(Path.Combine(certs, "fullchain.pem"), "-----BEGIN CERTIFICATE-----\nnot base64\n");
        await server.WaitForOutputAsync($"stays: {Path.Combine(certs, "fullchain.pem")} holds", ReloadTimeout);
        Assert.Equal(second, await TestCertificates.PresentedFingerprintAsync(server.HttpsPort));
        Assert.False(server.HasExited);
    }

    [Fact]
    public async Task An_rtmps_session_begun_before_a_reload_goes_on_to_publish()
    {
        var certs = Directory.CreateTempSubdirectory("streamhub-reload-").FullName;
        var first = TestCertificates.WriteSelfSignedPair(certs, "first.example");
        var settings = StreamHubProcess.DefaultSettings();
        settings["StreamHub__Https__CertificatePath"] = Path.Combine(certs, "fullchain.pem");
        settings["StreamHub__Https__KeyPath"] = Path.Combine(certs, "privkey.pem");
        settings["StreamHub__Admin__ApiKey"] = StreamHubHost.AdminKey;
        await using var server = StreamHubProcess.Start(settings);
        await server.WaitUntilReadyAsync();
        var key = await CreateStreamAsync(server.HttpPort);

        // RTMPS on the HTTPS port: the TLS and RTMP handshakes before the certificate changes ...
        var tcp = new TcpClient { NoDelay = true };
        await tcp.ConnectAsync(IPAddress.Loopback, server.HttpsPort);
        var tls = new SslStream(tcp.GetStream(), false, (_, _, _, _) => true);
        await tls.AuthenticateAsClientAsync("localhost");
        await using var rtmps = new TestRtmpClient(PipeReader.Create(tls), PipeWriter.Create(tls), tcp);
        await rtmps.HandshakeAsync();

        var second = TestCertificates.WriteSelfSignedPair(certs, "second.example");
        await TestCertificates.WaitForPresentedAsync(server.HttpsPort, second, ReloadTimeout, () => server.Output);

        // ... connect and publish after it, on the same connection and the first certificate.
        var (code, _) = await rtmps.PublishAsync(key);
        Assert.Equal("NetStream.Publish.Start", code);
        Assert.Equal(first, tls.RemoteCertificate!.GetCertHashString(HashAlgorithmName.SHA256));
    }

    private static async Task<string> CreateStreamAsync(int httpPort)
    {
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{httpPort}/") };
        client.DefaultRequestHeaders.Add("X-Api-Key", StreamHubHost.AdminKey);
        var response = await client.PostAsJsonAsync("/api/streams", new { name = UniqueNames.Stream("reload") });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("key").GetString()!;
    }

    /// <summary>One request on a kept-alive connection; reads the whole response (chunked or with a length), so the
    /// next request on the connection starts clean.</summary>
    private static async Task<string> GetOverAsync(SslStream stream, string path)
    {
        await stream.WriteAsync(Encoding.ASCII.GetBytes($"GET {path} HTTP/1.1\r\nHost: localhost\r\n\r\n"));
        await stream.FlushAsync();
        var response = new StringBuilder();
        var buffer = new byte[4096];
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (!IsComplete(response.ToString()))
        {
            var read = await stream.ReadAsync(buffer, deadline.Token);
            if (read == 0)
            {
                break;
            }
            response.Append(Encoding.ASCII.GetString(buffer, 0, read));
        }
        return response.ToString();
    }

    private static bool IsComplete(string response)
    {
        var headersEnd = response.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        if (headersEnd < 0)
        {
            return false;
        }
        var headers = response[..headersEnd];
        if (headers.Contains("Transfer-Encoding: chunked", StringComparison.OrdinalIgnoreCase))
        {
            return response.EndsWith("\r\n0\r\n\r\n", StringComparison.Ordinal);
        }
        var length = headers.Split("\r\n").FirstOrDefault(h => h.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase));
        return length is null || response.Length - headersEnd - 4 >= int.Parse(length["Content-Length:".Length..].Trim());
    }
}
