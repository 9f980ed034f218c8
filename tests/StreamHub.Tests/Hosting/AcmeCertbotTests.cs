using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using StreamHub.Tests.Hls.Support;
using StreamHub.Tests.Infrastructure;
using Xunit.Abstractions;

namespace StreamHub.Tests.Hosting;

/// <summary>The whole Let's Encrypt flow on loopback with real tools: pebble (an ACME server) validates http-01 by
/// fetching the challenge from StreamHub's HTTP port, certbot (webroot) obtains and later renews a certificate for
/// <c>localhost</c>, StreamHub takes each one without a restart, and ffmpeg (RTMPS) and curl (HLS over HTTPS) verify
/// it against pebble's root alone.</summary>
public sealed class AcmeCertbotTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);

    [Fact]
    public async Task Certbot_obtains_and_renews_a_certificate_through_streamhub_which_serves_each_without_a_restart_to_verifying_clients()
    {
        var certbot = ExternalProcess.Require("certbot", "certbot");
        var ffmpeg = ExternalProcess.Require("ffmpeg", "ffmpeg");
        var curl = ExternalProcess.Require("curl", "curl");
        var work = Directory.CreateTempSubdirectory("streamhub-acme-").FullName;
        var certs = Path.Combine(work, "certs");
        var webroot = Path.Combine(work, "webroot");
        var letsencrypt = Path.Combine(work, "letsencrypt");
        // Until certbot has run, StreamHub serves a stand-in the operator made (a self-signed pair).
        var placeholder = TestCertificates.WriteSelfSignedPair(certs, "placeholder");

        var settings = StreamHubProcess.DefaultSettings();
        settings["StreamHub__Https__CertificatePath"] = Path.Combine(certs, "fullchain.pem");
        settings["StreamHub__Https__KeyPath"] = Path.Combine(certs, "privkey.pem");
        settings["StreamHub__Https__AcmeWebroot"] = webroot;
        settings["StreamHub__Admin__ApiKey"] = StreamHubHost.AdminKey;
        var httpPort = int.Parse(settings["StreamHub__Http__Port"]!);
        await using var pebble = await PebbleAcmeServer.StartAsync(validationHttpPort: httpPort, TimeSpan.FromSeconds(30));
        await using var server = StreamHubProcess.Start(settings);
        await server.WaitUntilReadyAsync();
        var root = Path.Combine(work, "pebble-root.pem");
        await File.WriteAllTextAsync(root, await pebble.GetRootPemAsync());
        var (name, key) = await CreateStreamAsync(httpPort);
        var rtmps = $"rtmps://localhost:{server.HttpsPort}/live/{key}";

        // With verification on, ffmpeg refuses the stand-in.
        var refused = await ExternalProcess.RunAsync(ffmpeg, ["-v", "error", .. Clip(seconds: 1, realTime: false), "-f", "flv",
            "-tls_verify", "1", "-ca_file", root, rtmps], Timeout);
        Assert.True(refused.ExitCode != 0, $"ffmpeg accepted the self-signed stand-in:\n{refused.Output}");

        // certbot obtains a certificate: pebble fetches the challenge from StreamHub's HTTP port. The deploy hook links
        // the files StreamHub watches to certbot's live/ files (which link into archive/).
        var hook = $"ln -sfn \"$RENEWED_LINEAGE/privkey.pem\" '{certs}/privkey.pem' && ln -sfn \"$RENEWED_LINEAGE/fullchain.pem\" '{certs}/fullchain.pem'";
        var obtained = await ExternalProcess.RunAsync(certbot,
            ["certonly", "--webroot", "-w", webroot, "-d", "localhost", "--deploy-hook", hook, .. CertbotOptions(pebble, letsencrypt, work)], Timeout);
        Assert.True(obtained.ExitCode == 0, $"certbot certonly failed ({obtained.ExitCode}):\n{obtained.Output}\n{server.Output}\n{pebble.Output}");
        // Pebble's validation reached StreamHub's HTTP port and was answered there.
        await server.WaitForOutputAsync("served to 127.0.0.1", TimeSpan.FromSeconds(30));
        var issued = TestCertificates.FingerprintOfPemFile(Path.Combine(letsencrypt, "live", "localhost", "cert.pem"));
        await TestCertificates.WaitForPresentedAsync(server.HttpsPort, issued, TimeSpan.FromSeconds(30), () => server.Output);
        await server.WaitForOutputAsync($"SHA-256 fingerprint {issued} (was {placeholder})", TimeSpan.FromSeconds(30));

        // ffmpeg publishes over RTMPS, verifying the chain (leaf and pebble's intermediate) against the root alone;
        // certbot renews while it does, and certbot's own link swap in live/ is what StreamHub sees.
        // Long enough to outlast the renewal even when certbot is slow on a loaded machine.
        var publish = ExternalProcess.RunAsync(ffmpeg, ["-v", "error", .. Clip(seconds: 45, realTime: true), "-f", "flv",
            "-tls_verify", "1", "-ca_file", root, rtmps], Timeout);
        await WaitForPlaylistAsync(httpPort, name, playlist => playlist.Contains("#EXTINF"));
        var renewed = await ExternalProcess.RunAsync(certbot,
            ["renew", "--force-renewal", "--no-random-sleep-on-renew", "--deploy-hook", "true", .. CertbotOptions(pebble, letsencrypt, work)], Timeout);
        Assert.True(renewed.ExitCode == 0, $"certbot renew failed ({renewed.ExitCode}):\n{renewed.Output}\n{server.Output}");
        var renewal = TestCertificates.FingerprintOfPemFile(Path.Combine(letsencrypt, "live", "localhost", "cert.pem"));
        Assert.NotEqual(issued, renewal);
        await TestCertificates.WaitForPresentedAsync(server.HttpsPort, renewal, TimeSpan.FromSeconds(30), () => server.Output);
        await server.WaitForOutputAsync($"SHA-256 fingerprint {renewal} (was {issued})", TimeSpan.FromSeconds(30));
        Assert.False(publish.IsCompleted, "ffmpeg's publish ended before the renewal was taken, so it proves nothing about open connections.");
        var published = await publish;
        Assert.True(published.ExitCode == 0, $"ffmpeg's RTMPS publish (begun before the renewal) failed ({published.ExitCode}):\n{published.Output}\n{server.Output}");

        // curl fetches the HLS playlist and a segment over HTTPS, verifying the renewed certificate against the root.
        var playlist = await WaitForPlaylistAsync(httpPort, name, p => p.Contains("#EXT-X-ENDLIST"));
        var fetched = await ExternalProcess.RunAsync(curl, ["--silent", "--show-error", "--fail", "--max-time", "20", "--cacert", root,
            $"https://localhost:{server.HttpsPort}/hls/{name}/index.m3u8"], Timeout);
        Assert.True(fetched.ExitCode == 0, $"curl failed ({fetched.ExitCode}): {fetched.StandardError}");
        Assert.Contains("#EXT-X-ENDLIST", fetched.StandardOutput);
        var segment = playlist.Split('\n').First(line => line.Length > 0 && !line.StartsWith('#'));
        var segmentFile = Path.Combine(work, "segment");
        var fetchedSegment = await ExternalProcess.RunAsync(curl, ["--silent", "--show-error", "--fail", "--max-time", "20", "--cacert", root,
            "--output", segmentFile, $"https://localhost:{server.HttpsPort}/hls/{name}/{segment}"], Timeout);
        Assert.True(fetchedSegment.ExitCode == 0, $"curl failed ({fetchedSegment.ExitCode}): {fetchedSegment.StandardError}");
        Assert.True(new FileInfo(segmentFile).Length > 0);

        output.WriteLine($"certbot certonly {obtained.Elapsed.TotalSeconds:F1} s, certbot renew {renewed.Elapsed.TotalSeconds:F1} s, RTMPS publish {published.Elapsed.TotalSeconds:F1} s");
        output.WriteLine(server.Output);
    }

    /// <summary>certbot against pebble, all state in the test's folder. Pebble's own HTTPS certificate is one the test
    /// made, so it is not verified; what pebble issues is verified by ffmpeg and curl.</summary>
    private static string[] CertbotOptions(PebbleAcmeServer pebble, string configDirectory, string work) =>
    [
        "--server", pebble.DirectoryUrl, "--no-verify-ssl",
        "--config-dir", configDirectory, "--work-dir", Path.Combine(work, "certbot-work"), "--logs-dir", Path.Combine(work, "certbot-logs"),
        "--agree-tos", "--register-unsafely-without-email", "--non-interactive",
    ];

    private static string[] Clip(int seconds, bool realTime) =>
    [
        .. realTime ? new[] { "-re" } : [],
        "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25", "-f", "lavfi", "-i", "sine",
        "-t", seconds.ToString(), "-c:v", "libx264", "-preset", "veryfast", "-g", "25", "-c:a", "aac",
    ];

    private static async Task<(string Name, string Key)> CreateStreamAsync(int httpPort)
    {
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{httpPort}/") };
        client.DefaultRequestHeaders.Add("X-Api-Key", StreamHubHost.AdminKey);
        var name = UniqueNames.Stream("acme");
        var response = await client.PostAsJsonAsync("/api/streams", new { name });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (name, (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("key").GetString()!);
    }

    private static async Task<string> WaitForPlaylistAsync(int httpPort, string name, Func<string, bool> done)
    {
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{httpPort}/") };
        return await PlaylistWait.UntilAsync(client, name, done, TimeSpan.FromSeconds(40));
    }
}
