using StreamHub.Hosting;
using StreamHub.Tests.Infrastructure;

namespace StreamHub.Tests.Hosting;

/// <summary>The ACME http-01 endpoint, fetched with curl over real sockets: on the HTTP port (where RTMP is told apart
/// by its first byte, and where the dashboard is redirected to HTTPS in this host) and on the HTTPS port.</summary>
public sealed class AcmeChallengeEndpointsTests(AcmeChallengeHostFixture fixture) : IClassFixture<AcmeChallengeHostFixture>
{
    private const string Secret = AcmeChallengeHostFixture.Secret;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private readonly StreamHubHost _host = fixture.Host;
    private readonly string _challenges = fixture.ChallengeDirectory;

    [Theory]
    [InlineData("LoqXcYV8q5ONbJQxbmR7SCTNo3tiAXDfowyjxAjEuX0", true)]
    [InlineData("a", true)]
    [InlineData("A-z_09", true)]
    [InlineData("", false)]
    [InlineData(".", false)]
    [InlineData("..", false)]
    [InlineData("a.b", false)]
    [InlineData("a/b", false)]
    [InlineData("a\\b", false)]
    [InlineData("%2e%2e", false)]
    [InlineData("abc=", false)]
    [InlineData("a b", false)]
    [InlineData("é", false)]
    public void Only_base64url_tokens_are_accepted(string token, bool accepted) =>
        Assert.Equal(accepted, AcmeChallengeEndpoints.IsToken(token));

    [Fact]
    public void A_token_longer_than_the_limit_is_refused()
    {
        Assert.True(AcmeChallengeEndpoints.IsToken(new string('a', AcmeChallengeEndpoints.MaxTokenLength)));
        Assert.False(AcmeChallengeEndpoints.IsToken(new string('a', AcmeChallengeEndpoints.MaxTokenLength + 1)));
    }

    [Fact]
    public async Task A_challenge_is_served_as_plain_text_on_the_http_port_despite_rtmp_sniffing_and_the_https_redirect()
    {
        var (token, keyAuthorization) = WriteChallenge();

        var result = await CurlAsync($"http://127.0.0.1:{_host.HttpPort}{AcmeChallengeEndpoints.PathPrefix}/{token}");

        Assert.Equal("200", result.Status);
        Assert.Equal(keyAuthorization, result.Body);
        Assert.StartsWith("text/plain", result.ContentType);
        // The same host redirects the dashboard, so the challenge was answered, not passed over.
        Assert.Equal("307", (await CurlAsync($"http://127.0.0.1:{_host.HttpPort}/")).Status);
    }

    [Fact]
    public async Task A_challenge_is_served_on_the_https_port_over_http2_negotiated_by_alpn()
    {
        var (token, keyAuthorization) = WriteChallenge();

        var result = await CurlAsync($"https://127.0.0.1:{_host.HttpsPort}{AcmeChallengeEndpoints.PathPrefix}/{token}", "--insecure", "--http2");

        Assert.Equal("200", result.Status);
        Assert.Equal(keyAuthorization, result.Body);
        // The per-handshake certificate selection keeps ALPN: curl asked for h2 and got it.
        Assert.Equal("2", result.HttpVersion);
    }

    [Fact]
    public async Task A_token_with_no_file_is_404()
    {
        var result = await CurlAsync($"http://127.0.0.1:{_host.HttpPort}{AcmeChallengeEndpoints.PathPrefix}/NoSuchToken_0123456789");

        Assert.Equal("404", result.Status);
    }

    [Theory]
    [InlineData("../secret")]
    [InlineData("../../secret")]
    [InlineData("../../../secret")]
    [InlineData("..%2fsecret")]
    [InlineData("..%2F..%2Fsecret")]
    [InlineData("%2e%2e%2fsecret")]
    [InlineData("%2e%2e/%2e%2e/secret")]
    [InlineData("..%5c..%5csecret")]
    [InlineData("..\\..\\secret")]
    [InlineData(".secret")]
    [InlineData("%2esecret")]
    [InlineData("%00secret")]
    public async Task Paths_that_would_leave_the_challenge_directory_never_serve_a_file(string path)
    {
        // --path-as-is: curl sends the dots and escapes exactly as written, as an attacker would. A path Kestrel
        // normalises out of the challenge prefix is redirected to HTTPS here; curl follows it to its end.
        var result = await CurlAsync($"http://127.0.0.1:{_host.HttpPort}{AcmeChallengeEndpoints.PathPrefix}/{path}", "--path-as-is", "--location", "--insecure");

        Assert.Contains(result.Status, new[] { "400", "404" });
        Assert.DoesNotContain(Secret, result.Body);
    }

    private (string Token, string KeyAuthorization) WriteChallenge()
    {
        var token = Convert.ToBase64String(Guid.NewGuid().ToByteArray()).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var keyAuthorization = $"{token}.9jg46WB3rR_AHD-EBXdN7cBkH1WOu0tA3M9fm21mqTI";
        File.WriteAllText(Path.Combine(_challenges, token), keyAuthorization);
        return (token, keyAuthorization);
    }

    private sealed record CurlResult(string Status, string HttpVersion, string ContentType, string Body);

    private static async Task<CurlResult> CurlAsync(string url, params string[] options)
    {
        var curl = ExternalProcess.Require("curl", "curl");
        var bodyFile = Path.GetTempFileName();
        try
        {
            var result = await ExternalProcess.RunAsync(curl,
                ["--silent", "--show-error", "--max-time", "20", "--output", bodyFile, "--write-out", "%{http_code} %{http_version} %{content_type}", .. options, url], Timeout);
            Assert.True(result.ExitCode == 0, $"curl {url} failed ({result.ExitCode}): {result.StandardError}");
            var parts = result.StandardOutput.Split(' ', 3);
            return new CurlResult(parts[0], parts[1], parts.Length > 2 ? parts[2] : "", await File.ReadAllTextAsync(bodyFile));
        }
        finally
        {
            File.Delete(bodyFile);
        }
    }
}
