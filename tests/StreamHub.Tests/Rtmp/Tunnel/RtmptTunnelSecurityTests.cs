using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.RegularExpressions;
using StreamHub.Rtmp.Tunnel;
using StreamHub.Tests.Infrastructure;

namespace StreamHub.Tests.Rtmp.Tunnel;

/// <summary>RTMPT under attack, over real sockets against a real server process: tunnels count per address, the session
/// id is a credential bound to the address that opened it, and it stays out of the log. The attacker connects from
/// 127.0.0.2 (Linux routes all of 127/8 to loopback), the legitimate encoder from 127.0.0.1.</summary>
public sealed class RtmptTunnelSecurityTests
{
    private const string Admin = "rtmpt-security-admin";
    private static readonly IPAddress Attacker = IPAddress.Parse("127.0.0.2");

    [Fact]
    public async Task One_address_is_refused_tunnels_past_its_limit_with_429_and_few_log_lines_while_ffmpeg_publishes_over_rtmpt()
    {
        var settings = StreamHubProcess.DefaultSettings();
        settings["StreamHub__Admin__ApiKey"] = Admin;
        settings["StreamHub__Limits__MaxTunnelsPerAddress"] = "5";
        await using var server = StreamHubProcess.Start(settings);
        await server.WaitUntilReadyAsync();
        var key = await CreateStreamAsync(server, "tunnelled-cam");

        // One keep-alive connection opening tunnel after tunnel, as the attack did.
        using var attacker = ClientFrom(Attacker, server.HttpPort);
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 40; i++)
        {
            statuses.Add((await attacker.PostAsync("/open/1", Fcs([0]))).StatusCode);
        }
        Assert.Equal(5, statuses.Count(s => s == HttpStatusCode.OK));
        Assert.Equal(35, statuses.Count(s => s == HttpStatusCode.TooManyRequests));

        var publish = await ExternalProcess.RunAsync(ExternalProcess.Require("ffmpeg", "ffmpeg"),
            ["-v", "error", "-f", "lavfi", "-i", "testsrc2=size=160x120:rate=25", "-t", "2", "-c:v", "libx264", "-f", "flv",
                $"rtmpt://127.0.0.1:{server.HttpPort}/live/{key}"],
            TimeSpan.FromSeconds(90));
        Assert.True(publish.ExitCode == 0, publish.Output);
        await server.WaitForOutputAsync("publishing stream tunnelled-cam");

        var output = server.Output;
        Assert.InRange(Regex.Count(output, "refused an RTMPT tunnel from 127.0.0.2"), 1, 4); // rate-limited, not one a refusal
        Assert.DoesNotContain(" ERR]", output);
        Assert.DoesNotContain("responded 429", output);
    }

    [Fact]
    public async Task A_tunnel_id_is_128_random_bits_works_only_from_the_address_that_opened_it_and_is_never_logged()
    {
        var settings = StreamHubProcess.DefaultSettings();
        settings["StreamHub__Admin__ApiKey"] = Admin;
        await using var server = StreamHubProcess.Start(settings);
        await server.WaitUntilReadyAsync();

        using var owner = ClientFrom(IPAddress.Loopback, server.HttpPort);
        using var other = ClientFrom(Attacker, server.HttpPort);
        var open = await owner.PostAsync("/open/1", Fcs([0]));
        Assert.Equal(HttpStatusCode.OK, open.StatusCode);
        var body = await open.Content.ReadAsStringAsync();
        Assert.EndsWith("\n", body); // the id then a newline, as ffmpeg and librtmp read it
        var id = body.TrimEnd('\n');
        Assert.Matches("^[A-Za-z0-9_-]{22,63}$", id); // base64url: 22 characters hold 128 bits; ffmpeg keeps up to 63
        var ids = new HashSet<string> { id };

        // From another address the id is unknown, for every verb; closing from there does not close it.
        Assert.Equal(HttpStatusCode.NotFound, (await other.PostAsync($"/idle/{id}/1", Fcs([0]))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await other.PostAsync($"/send/{id}/2", Fcs([3]))).StatusCode);
        await other.PostAsync($"/close/{id}/3", Fcs([0]));
        var idle = await owner.PostAsync($"/idle/{id}/4", Fcs([0]));
        Assert.Equal(HttpStatusCode.OK, idle.StatusCode);
        Assert.Equal(1, (await idle.Content.ReadAsByteArrayAsync())[0]);

        // Ids do not repeat, and none of them reaches the log (at the default Information level).
        for (var i = 0; i < 5; i++)
        {
            var next = await owner.PostAsync("/open/1", Fcs([0]));
            Assert.True(ids.Add((await next.Content.ReadAsStringAsync()).TrimEnd('\n')));
        }
        await owner.PostAsync($"/close/{id}/5", Fcs([0]));
        Assert.Equal(HttpStatusCode.NotFound, (await owner.PostAsync($"/idle/{id}/6", Fcs([0]))).StatusCode);
        await server.WaitForOutputAsync("closed (rtmpt)");
        foreach (var each in ids)
        {
            Assert.DoesNotContain(each, server.Output);
        }
    }

    /// <summary>An HTTP client whose connections leave from <paramref name="source"/>.</summary>
    private static HttpClient ClientFrom(IPAddress source, int port) => new(new SocketsHttpHandler
    {
        ConnectCallback = async (context, cancellationToken) =>
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                socket.Bind(new IPEndPoint(source, 0));
                await socket.ConnectAsync(context.DnsEndPoint, cancellationToken);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        },
    })
    {
        BaseAddress = new Uri($"http://127.0.0.1:{port}"),
        Timeout = TimeSpan.FromSeconds(30),
    };

    private static ByteArrayContent Fcs(byte[] body)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue(RtmptEndpoints.ContentType);
        return content;
    }

    private static async Task<string> CreateStreamAsync(StreamHubProcess server, string name)
    {
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{server.HttpPort}") };
        client.DefaultRequestHeaders.Add("X-Api-Key", Admin);
        var response = await client.PostAsJsonAsync("/api/streams", new { name });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("key").GetString()!;
    }
}
