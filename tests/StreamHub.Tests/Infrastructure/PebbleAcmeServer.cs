using System.Diagnostics;
using System.Text.Json;

namespace StreamHub.Tests.Infrastructure;

/// <summary>Pebble, Let's Encrypt's ACME test server (Debian's <c>pebble</c>), on free loopback ports. Its http-01
/// validation really fetches <c>http://{name}:{ValidationHttpPort}/.well-known/acme-challenge/{token}</c> (names
/// through the system resolver, so <c>localhost</c> reaches 127.0.0.1); its CA is new on every start, and its root is
/// served on the management port.</summary>
public sealed class PebbleAcmeServer : IAsyncDisposable
{
    private readonly BackgroundProcess _process;

    private PebbleAcmeServer(BackgroundProcess process, int acmePort, int managementPort, string directory)
    {
        _process = process;
        AcmePort = acmePort;
        ManagementPort = managementPort;
        Directory = directory;
    }

    public int AcmePort { get; }
    public int ManagementPort { get; }
    public string Directory { get; }
    public string DirectoryUrl => $"https://127.0.0.1:{AcmePort}/dir";

    public string Output => _process.Output;

    /// <param name="validationHttpPort">The port pebble's http-01 validation connects to (its <c>httpPort</c>).</param>
    public static async Task<PebbleAcmeServer> StartAsync(int validationHttpPort, TimeSpan timeout)
    {
        var pebble = ExternalProcess.Require("pebble", "pebble");
        var directory = System.IO.Directory.CreateTempSubdirectory("streamhub-pebble-").FullName;
        // Pebble's own HTTPS listeners need a certificate; clients here do not verify it (certbot --no-verify-ssl).
        TestCertificates.WriteSelfSignedPair(directory, "pebble", "pebble.crt.pem", "pebble.key.pem");
        var acmePort = FreePorts.Next();
        var managementPort = FreePorts.Next();
        var config = new
        {
            pebble = new
            {
                listenAddress = $"127.0.0.1:{acmePort}",
                managementListenAddress = $"127.0.0.1:{managementPort}",
                certificate = Path.Combine(directory, "pebble.crt.pem"),
                privateKey = Path.Combine(directory, "pebble.key.pem"),
                httpPort = validationHttpPort,
                tlsPort = FreePorts.Next(),
                ocspResponderURL = "",
                externalAccountBindingRequired = false,
            },
        };
        var configPath = Path.Combine(directory, "pebble-config.json");
        await File.WriteAllTextAsync(configPath, JsonSerializer.Serialize(config));

        var start = new ProcessStartInfo(pebble, ["-config", configPath]) { WorkingDirectory = directory };
        // No artificial validation delays, no rejected nonces, and a fresh validation for every order: the test
        // exercises the real http-01 fetch each time. (PEBBLE_VA_ALWAYS_VALID, which skips it, is not set.)
        start.Environment["PEBBLE_VA_NOSLEEP"] = "1";
        start.Environment["PEBBLE_WFE_NONCEREJECT"] = "0";
        start.Environment["PEBBLE_AUTHZREUSE"] = "0";
        var server = new PebbleAcmeServer(BackgroundProcess.Start("pebble", start, keptLines: int.MaxValue), acmePort, managementPort, directory);
        try
        {
            await server._process.WaitForOutputAsync("ACME directory available", timeout);
        }
        catch (Exception e) when (e is TimeoutException or InvalidOperationException)
        {
            await server.DisposeAsync();
            Assert.Fail($"pebble did not start within {timeout}: {e.Message}");
        }
        return server;
    }

    /// <summary>Pebble's root CA (PEM), the trust anchor for what it issues.</summary>
    public async Task<string> GetRootPemAsync()
    {
        using var handler = new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, _, _, _) => true };
        using var client = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(10) };
        return await client.GetStringAsync($"https://127.0.0.1:{ManagementPort}/roots/0");
    }

    public ValueTask DisposeAsync() => _process.DisposeAsync();
}
