using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using StreamHub.Tests.Infrastructure;

namespace StreamHub.Tests.Hosting;

/// <summary>The web ports tell RTMP from HTTP by the first byte.</summary>
public sealed class RtmpSniffingTests
{
    [Fact]
    public async Task A_connection_starting_with_0x03_on_the_http_port_is_served_as_rtmp_and_http_still_works()
    {
        var settings = StreamHubProcess.DefaultSettings();
        settings["StreamHub__Admin__ApiKey"] = "sniff-admin";
        await using var server = StreamHubProcess.Start(settings);
        await server.WaitUntilReadyAsync();

        using (var client = new TcpClient())
        {
            await client.ConnectAsync(IPAddress.Loopback, server.HttpPort);
            await client.GetStream().WriteAsync(new byte[] { 0x03 });
            var local = ((IPEndPoint)client.Client.LocalEndPoint!).Port;
            await server.WaitForOutputAsync($"opened from 127.0.0.1:{local}");
        }

        using var http = new HttpClient();
        var response = await http.GetAsync($"http://127.0.0.1:{server.HttpPort}/healthz");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task A_silent_connection_on_the_http_port_is_closed_within_the_handshake_timeout()
    {
        var settings = StreamHubProcess.DefaultSettings();
        settings["StreamHub__Rtmp__HandshakeTimeoutSeconds"] = "2";
        await using var server = StreamHubProcess.Start(settings);
        await server.WaitUntilReadyAsync();

        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, server.HttpPort);
        var clock = Stopwatch.StartNew();
        var buffer = new byte[16];
        int read;
        try
        {
            read = await client.GetStream().ReadAsync(buffer).AsTask().WaitAsync(TimeSpan.FromSeconds(15));
        }
        catch (IOException)
        {
            read = 0; // reset by the server: closed as well
        }
        Assert.Equal(0, read);
        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(12));
    }
}
