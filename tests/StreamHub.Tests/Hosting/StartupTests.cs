using System.Net;
using System.Net.Sockets;
using StreamHub.Tests.Infrastructure;

namespace StreamHub.Tests.Hosting;

/// <summary>Start-up as an operator sees it: a real process, its exit code and what it prints.</summary>
public sealed class StartupTests
{
    private static readonly TimeSpan ExitTimeout = TimeSpan.FromSeconds(30);

    [Theory]
    [InlineData("StreamHub__Http__Port", "-5", "StreamHub:Http:Port")]
    [InlineData("StreamHub__Rtmp__Port", "70000", "StreamHub:Rtmp:Port")]
    [InlineData("StreamHub__Https__Port", "-1", "StreamHub:Https:Port")]
    [InlineData("StreamHub__BindAddress", "not-an-ip", "StreamHub:BindAddress")]
    [InlineData("StreamHub__Rtmp__OutChunkSize", "1", "StreamHub:Rtmp:OutChunkSize")]
    [InlineData("StreamHub__Database__Provider", "Oracle", "StreamHub:Database:Provider")]
    [InlineData("StreamHub__Access__Publish__Allow__0", "10.0.0.300/8", "StreamHub:Access:Publish:Allow[0]")]
    [InlineData("StreamHub__Limits__MaxRtmpConnectionsPerAddress", "0", "StreamHub:Limits:MaxRtmpConnectionsPerAddress")]
    [InlineData("StreamHub__Limits__MaxTunnelsPerAddress", "0", "StreamHub:Limits:MaxTunnelsPerAddress")]
    [InlineData("StreamHub__Limits__MaxConnectionsPerAddress", "100", "StreamHub:Limits:MaxRtmpConnectionsPerAddress")] // replaced: named with its replacements
    [InlineData("StreamHub__Hls__MaxViewersPerStream", "0", "StreamHub:Hls:MaxViewersPerStream")]
    public async Task A_bad_setting_stops_startup_with_a_message_naming_it(string variable, string value, string setting)
    {
        var settings = StreamHubProcess.DefaultSettings();
        settings[variable] = value;
        await using var server = StreamHubProcess.Start(settings);

        var code = await server.WaitForExitAsync(ExitTimeout);

        Assert.Equal(2, code);
        Assert.Contains("Bad setting", server.Output);
        Assert.Contains(setting, server.Output);
        Assert.DoesNotContain("   at ", server.Output); // a message for a person, not a stack trace
    }

    [Fact]
    public async Task A_missing_certificate_file_stops_startup_naming_the_setting_and_the_path()
    {
        var settings = StreamHubProcess.DefaultSettings();
        settings["StreamHub__Https__CertificatePath"] = "/nonexistent/cert.pem";
        settings["StreamHub__Https__KeyPath"] = "/nonexistent/key.pem";
        await using var server = StreamHubProcess.Start(settings);

        Assert.Equal(2, await server.WaitForExitAsync(ExitTimeout));
        Assert.Contains("StreamHub:Https:CertificatePath", server.Output);
        Assert.Contains("/nonexistent/cert.pem", server.Output);
    }

    [Fact]
    public async Task A_port_in_use_stops_startup_with_one_line_naming_port_reason_and_setting()
    {
        using var squatter = new TcpListener(IPAddress.Loopback, 0);
        squatter.Start();
        var port = ((IPEndPoint)squatter.LocalEndpoint).Port;
        var settings = StreamHubProcess.DefaultSettings();
        settings["StreamHub__Rtmp__Port"] = port.ToString();
        await using var server = StreamHubProcess.Start(settings);

        Assert.Equal(3, await server.WaitForExitAsync(ExitTimeout));
        var line = Assert.Single(server.Output.Split('\n'), l => l.Contains("Cannot listen on", StringComparison.Ordinal));
        Assert.Contains($"127.0.0.1:{port}", line);
        Assert.Contains("already in use", line);
        Assert.Contains("StreamHub:Rtmp:Port", line);
    }

    [Fact]
    public async Task A_privileged_port_without_the_right_stops_startup_naming_port_reason_and_setting()
    {
        var data = Directory.CreateTempSubdirectory("streamhub-unpriv-");
        File.SetUnixFileMode(data.FullName, (UnixFileMode)0b111_111_111);
        var settings = StreamHubProcess.DefaultSettings(data.FullName);
        settings["StreamHub__Http__Port"] = "80";
        await using var server = StreamHubProcess.Start(settings, asUnprivilegedUser: true);

        Assert.Equal(3, await server.WaitForExitAsync(ExitTimeout));
        var line = Assert.Single(server.Output.Split('\n'), l => l.Contains("Cannot listen on", StringComparison.Ordinal));
        Assert.Contains("127.0.0.1:80", line);
        Assert.Contains("permission denied", line);
        Assert.Contains("StreamHub:Http:Port", line);
    }

    [Fact]
    public async Task A_port_of_zero_turns_that_listener_off()
    {
        var settings = StreamHubProcess.DefaultSettings();
        var httpsPort = int.Parse(settings["StreamHub__Https__Port"]!);
        var rtmpPort = int.Parse(settings["StreamHub__Rtmp__Port"]!);
        settings["StreamHub__Https__Port"] = "0";
        settings["StreamHub__Rtmp__Port"] = "0";
        await using var server = StreamHubProcess.Start(settings);
        await server.WaitUntilReadyAsync();

        Assert.False(await CanConnectAsync(httpsPort));
        Assert.False(await CanConnectAsync(rtmpPort));
        Assert.DoesNotContain("HTTPS listening", server.Output);
        Assert.Contains("HTTP listening on 127.0.0.1", server.Output);
    }

    [Fact]
    public async Task The_rtmp_listener_logs_each_connection_open_and_close_with_the_remote_address()
    {
        await using var server = StreamHubProcess.Start(StreamHubProcess.DefaultSettings());
        await server.WaitUntilReadyAsync();
        Assert.Contains($"RTMP listening on 127.0.0.1:{server.RtmpPort}", server.Output);

        using (var client = new TcpClient())
        {
            await client.ConnectAsync(IPAddress.Loopback, server.RtmpPort);
            await server.WaitForOutputAsync("RTMP connection");
            var local = ((IPEndPoint)client.Client.LocalEndPoint!).Port;
            await server.WaitForOutputAsync($"opened from 127.0.0.1:{local}");
            client.Client.Shutdown(SocketShutdown.Both);
        }
        await server.WaitForOutputAsync("closed");
    }

    private static async Task<bool> CanConnectAsync(int port)
    {
        using var client = new TcpClient();
        try
        {
            await client.ConnectAsync(IPAddress.Loopback, port).WaitAsync(TimeSpan.FromSeconds(2));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
