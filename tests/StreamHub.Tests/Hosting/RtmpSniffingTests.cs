using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Net.Http.Json;
using System.Text.Json;
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

    /// <summary>A client that connects to the web port and resets (RST: linger 0, then close) before or while the
    /// first byte is looked at does what networks do every day: Debug, not an error with a stack trace.</summary>
    [Theory]
    [InlineData(new byte[0])]
    [InlineData(new byte[] { 0x03 })]
    [InlineData(new byte[] { (byte)'G' })]
    public async Task A_reset_on_the_http_port_while_the_first_byte_is_awaited_logs_no_error(byte[] sent)
    {
        var settings = StreamHubProcess.DefaultSettings();
        settings["StreamHub__Admin__ApiKey"] = "sniff-admin";
        await using var server = StreamHubProcess.Start(settings);
        await server.WaitUntilReadyAsync();

        for (var i = 0; i < 5; i++)
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            await socket.ConnectAsync(IPAddress.Loopback, server.HttpPort);
            if (sent.Length > 0)
            {
                await socket.SendAsync(sent);
            }
            await Task.Delay(50); // the server is now waiting on the socket
            socket.LingerState = new LingerOption(true, 0);
            socket.Close();
        }

        // Once the server has closed its side of every reset connection, whatever it logs about them has been logged.
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{server.HttpPort}") };
        http.DefaultRequestHeaders.Add("X-Api-Key", "sniff-admin");
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        int open;
        do
        {
            await Task.Delay(100);
            var ports = await http.GetFromJsonAsync<JsonElement>("/api/diagnostics/ports");
            open = ports.EnumerateArray().Single(l => l.GetProperty("name").GetString() == "HTTP").GetProperty("connections").GetInt32();
        }
        while (open > 1 && DateTime.UtcNow < deadline); // 1: this client's own connection
        Assert.True(open == 1, $"{open} connections still open on the HTTP port:\n{server.Output}");
        await Task.Delay(200);

        var output = server.Output;
        Assert.False(output.Contains(" ERR]", StringComparison.Ordinal) || output.Contains(" FTL]", StringComparison.Ordinal)
            || output.Contains("   at ", StringComparison.Ordinal), output);
    }
}
