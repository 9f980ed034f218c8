using System.Net;
using System.Net.Http.Headers;
using StreamHub.Rtmp.Tunnel;
using StreamHub.Tests.Infrastructure;

namespace StreamHub.Tests.Rtmp.Tunnel;

/// <summary>The RTMPT wire behaviour itself, over real HTTP: open returns an id, every answer starts with the polling
/// byte and carries the server's RTMP bytes, an unknown id is 404.</summary>
public sealed class RtmptEndpointsTests(SharedHostFixture fixture) : IClassFixture<SharedHostFixture>
{
    [Fact]
    public async Task Open_send_idle_close_carry_the_rtmp_handshake_in_http_posts()
    {
        using var client = fixture.Host.CreateHttpClient(withAdminKey: false);
        var open = await client.PostAsync("/open/1", Fcs([0]));
        Assert.Equal(HttpStatusCode.OK, open.StatusCode);
        Assert.Equal(RtmptEndpoints.ContentType, open.Content.Headers.ContentType?.MediaType);
        var id = (await open.Content.ReadAsStringAsync()).Trim();
        Assert.Matches("^[A-Za-z0-9_-]{8,63}$", id);

        // C0 + C1 in a send; S0 S1 S2 (1 + 3072 bytes) come back, possibly over several polls.
        var c0c1 = new byte[1537];
        c0c1[0] = 3;
        var answer = await (await client.PostAsync($"/send/{id}/0", Fcs(c0c1))).Content.ReadAsByteArrayAsync();
        Assert.Equal(1, answer[0]); // the polling interval byte
        var received = new List<byte>(answer[1..]);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        for (var seq = 1; received.Count < 3073 && DateTime.UtcNow < deadline; seq++)
        {
            await Task.Delay(20); // a real client waits between idle polls too
            var idle = await client.PostAsync($"/idle/{id}/{seq}", Fcs([0]));
            var bytes = await idle.Content.ReadAsByteArrayAsync();
            Assert.Equal(1, bytes[0]);
            received.AddRange(bytes[1..]);
        }
        Assert.Equal(3073, received.Count);
        Assert.Equal(3, received[0]); // S0: RTMP version 3
        Assert.Equal(c0c1[1..], received.Skip(1 + 1536).ToArray()); // S2 echoes C1 (simple handshake)

        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync($"/close/{id}/100000", Fcs([0]))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.PostAsync($"/idle/{id}/100001", Fcs([0]))).StatusCode);
    }

    [Fact]
    public async Task An_unknown_tunnel_id_is_404_problem()
    {
        using var client = fixture.Host.CreateHttpClient(withAdminKey: false);
        var response = await client.PostAsync("/send/nope/0", Fcs([3]));
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    private static ByteArrayContent Fcs(byte[] body)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue(RtmptEndpoints.ContentType);
        return content;
    }
}
