using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using StreamHub.Live;
using StreamHub.Security;
using StreamHub.Tests.Hls.Support;
using StreamHub.Tests.Infrastructure;

namespace StreamHub.Tests.Security;

/// <summary>Access rules and bounds over real sockets.</summary>
public sealed class AccessAndLimitsTests
{
    [Fact]
    public async Task A_denied_address_gets_403_problem_on_the_admin_api()
    {
        await using var host = StreamHubHost.Start(new Dictionary<string, string?> { ["StreamHub:Access:Admin:Deny:0"] = "127.0.0.0/8" });
        using var client = host.CreateHttpClient();

        var response = await client.GetAsync("/api/streams");

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Contains("StreamHub:Access:Admin", problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task An_address_outside_the_play_allow_list_gets_403_on_hls_and_the_player_but_not_on_the_api()
    {
        await using var host = StreamHubHost.Start(new Dictionary<string, string?> { ["StreamHub:Access:Play:Allow:0"] = "10.0.0.0/8" });
        using var client = host.CreateHttpClient();

        Assert.Equal(HttpStatusCode.Forbidden, (await client.GetAsync("/hls/any/index.m3u8")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await client.GetAsync("/watch/any")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/streams")).StatusCode);
    }

    [Fact]
    public async Task An_address_at_its_rtmp_connection_limit_is_refused_another_rtmp_connection_and_is_still_served_hls()
    {
        await using var host = StreamHubHost.Start(new Dictionary<string, string?> { ["StreamHub:Limits:MaxRtmpConnectionsPerAddress"] = "2" });
        var registry = host.GetService<LiveStreamRegistry>();
        Assert.True(registry.TryBeginPublish("busy-address", new PublisherInfo("test", "127.0.0.1:1", null), out var stream));
        TestPublisher.Write(stream, [SyntheticFrames.VideoConfig(), SyntheticFrames.AudioConfig()]);
        TestPublisher.Write(stream, SyntheticFrames.Interleaved(0, 4_100, gopFrames: 50, videoSize: 600));
        var gate = host.GetService<ConnectionGate>();

        // One on the RTMP port, one found to be RTMP on the HTTP port: both count as RTMP.
        using var first = new TcpClient();
        using var second = new TcpClient();
        await first.ConnectAsync(IPAddress.Loopback, host.RtmpPort);
        await second.ConnectAsync(IPAddress.Loopback, host.HttpPort);
        await second.GetStream().WriteAsync(new byte[] { 0x03 });
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (gate.OpenFrom(IPAddress.Loopback, ConnectionKind.Rtmp) < 2 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }
        Assert.Equal(2, gate.OpenFrom(IPAddress.Loopback, ConnectionKind.Rtmp));

        Assert.Equal(0, await ConnectAndReadOrClosedAsync(host.RtmpPort));

        // Viewers behind the same address still get their HLS, over several connections.
        for (var i = 0; i < 5; i++)
        {
            using var viewer = host.CreateHttpClient(withAdminKey: false);
            Assert.Equal(HttpStatusCode.OK, (await viewer.GetAsync("/hls/busy-address/index.m3u8")).StatusCode);
        }

        // The first two are still open: the server has not closed them.
        first.Client.Blocking = false;
        Assert.True(first.Connected);
        Assert.False(first.Client.Poll(0, SelectMode.SelectRead) && first.Client.Available == 0);
    }

    [Fact]
    public async Task Http_connections_over_their_per_address_limit_are_closed_at_once()
    {
        await using var host = StreamHubHost.Start(new Dictionary<string, string?> { ["StreamHub:Limits:MaxHttpConnectionsPerAddress"] = "2" });
        using var first = new TcpClient();
        using var second = new TcpClient();
        await first.ConnectAsync(IPAddress.Loopback, host.HttpPort);
        await second.ConnectAsync(IPAddress.Loopback, host.HttpPort);
        var gate = host.GetService<ConnectionGate>();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (gate.OpenFrom(IPAddress.Loopback, ConnectionKind.Http) < 2 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }

        Assert.Equal(0, await ConnectAndReadOrClosedAsync(host.HttpPort));
    }

    [Fact]
    public async Task Admin_requests_over_the_rate_limit_get_429_problem_with_retry_after()
    {
        await using var host = StreamHubHost.Start(new Dictionary<string, string?> { ["StreamHub:Limits:AdminRequestsPerMinute"] = "3" });
        using var client = host.CreateHttpClient();
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/streams")).StatusCode);
        }

        var limited = await client.GetAsync("/api/streams");

        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.Equal("application/problem+json", limited.Content.Headers.ContentType?.MediaType);
        Assert.True(limited.Headers.RetryAfter is not null);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/healthz")).StatusCode); // only the API is limited
    }

    [Fact]
    public async Task Https_responses_carry_hsts_and_the_optional_redirect_leaves_hls_on_http()
    {
        await using var host = StreamHubHost.Start(new Dictionary<string, string?> { ["StreamHub:Http:RedirectToHttps"] = "true" });
        using var handler = new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, _, _, _) => true, AllowAutoRedirect = false };
        using var client = new HttpClient(handler);

        var secure = await client.GetAsync($"https://127.0.0.1:{host.HttpsPort}/healthz");
        Assert.Equal("max-age=31536000", secure.Headers.GetValues("Strict-Transport-Security").Single());
        Assert.Equal("nosniff", secure.Headers.GetValues("X-Content-Type-Options").Single());

        var api = await client.GetAsync($"http://127.0.0.1:{host.HttpPort}/api/streams");
        Assert.Equal(HttpStatusCode.TemporaryRedirect, api.StatusCode);
        Assert.Equal($"https://127.0.0.1:{host.HttpsPort}/api/streams", api.Headers.Location?.ToString());
        Assert.False(api.Headers.Contains("Strict-Transport-Security"));

        var hls = await client.GetAsync($"http://127.0.0.1:{host.HttpPort}/hls/nothing/index.m3u8");
        Assert.Equal(HttpStatusCode.NotFound, hls.StatusCode);
    }

    [Fact]
    public async Task The_port_report_lists_every_listener_with_protocols_state_and_connections()
    {
        await using var host = StreamHubHost.Start();
        using var client = host.CreateHttpClient();
        using var rtmp = new TcpClient();
        await rtmp.ConnectAsync(IPAddress.Loopback, host.RtmpPort);
        await Task.Delay(200);

        var ports = await client.GetFromJsonAsync<JsonElement>("/api/diagnostics/ports");

        var byName = ports.EnumerateArray().ToDictionary(p => p.GetProperty("name").GetString()!);
        Assert.Equal(host.RtmpPort, byName["RTMP"].GetProperty("port").GetInt32());
        Assert.Equal(1, byName["RTMP"].GetProperty("connections").GetInt32());
        Assert.Equal(["HTTP", "RTMP", "RTMPT"], byName["HTTP"].GetProperty("protocols").EnumerateArray().Select(p => p.GetString()));
        Assert.Equal(["HTTPS", "RTMPS", "RTMPTS"], byName["HTTPS"].GetProperty("protocols").EnumerateArray().Select(p => p.GetString()));
        Assert.All(byName.Values, p => Assert.Equal("bound", p.GetProperty("state").GetString()));
        Assert.Equal("StreamHub:Https:Port", byName["HTTPS"].GetProperty("setting").GetString());
    }

    /// <summary>Connects and reads one byte: 0 when the server closed the connection. A connection the server aborts at
    /// once can be reset before the client has seen its own connect complete; that is the same answer.</summary>
    private static async Task<int> ConnectAndReadOrClosedAsync(int port)
    {
        using var client = new TcpClient();
        try
        {
            await client.ConnectAsync(IPAddress.Loopback, port);
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionReset)
        {
            return 0;
        }
        return await ReadOrClosedAsync(client);
    }

    private static async Task<int> ReadOrClosedAsync(TcpClient client)
    {
        try
        {
            return await client.GetStream().ReadAsync(new byte[1]).AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (IOException)
        {
            return 0;
        }
    }
}
