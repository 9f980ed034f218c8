using System.Net;
using System.Net.Sockets;
using StreamHub.Tests.Infrastructure;

namespace StreamHub.Tests.Hosting;

/// <summary>Start-up as an operator sees it: a real process, its exit code and what it prints.</summary>
public sealed class StartupTests
{
    private static readonly TimeSpan ExitTimeout = StreamHubProcess.StartTimeout;

    [Theory]
    [InlineData("StreamHub__Http__Port", "-5", "StreamHub:Http:Port")]
    [InlineData("StreamHub__Rtmp__Port", "70000", "StreamHub:Rtmp:Port")]
    [InlineData("StreamHub__Https__Port", "-1", "StreamHub:Https:Port")]
    [InlineData("StreamHub__BindAddress", "not-an-ip", "StreamHub:BindAddress")]
    [InlineData("StreamHub__Rtmp__OutChunkSize", "1", "StreamHub:Rtmp:OutChunkSize")]
    [InlineData("StreamHub__Database__Provider", "Oracle", "StreamHub:Database:Provider")]
    [InlineData("StreamHub__Access__Publish__Allow__0", "10.0.0.300/8", "StreamHub:Access:Publish:Allow[0]")]
    [InlineData("StreamHub__Logging__MinimumLevel", "Infromation", "StreamHub:Logging:MinimumLevel")]
    [InlineData("StreamHub__Logging__MinimumLevel", "7", "StreamHub:Logging:MinimumLevel")]
    [InlineData("StreamHub__Logging__Format", "xml", "StreamHub:Logging:Format")]
    [InlineData("StreamHub__Admin__ApiKey", "   ", "StreamHub:Admin:ApiKey")]
    [InlineData("StreamHub__Admin__ApiKey", "caf\u00e9-admin-key", "StreamHub:Admin:ApiKey")]
    [InlineData("StreamHub__Limits__MaxRtmpConnectionsPerAddress", "0", "StreamHub:Limits:MaxRtmpConnectionsPerAddress")]
    [InlineData("StreamHub__Limits__MaxTunnelsPerAddress", "0", "StreamHub:Limits:MaxTunnelsPerAddress")]
    [InlineData("StreamHub__Limits__MaxConnectionsPerAddress", "100", "StreamHub:Limits:MaxRtmpConnectionsPerAddress")] // replaced: named with its replacements
    [InlineData("StreamHub__Hls__MaxViewersPerStream", "0", "StreamHub:Hls:MaxViewersPerStream")]
    [InlineData("StreamHub__Live__SubscriberQueueMaxFrames", "1", "StreamHub:Live:SubscriberQueueMaxFrames")]
    [InlineData("StreamHub__Live__GopCacheMaxSeconds", "30", "StreamHub:Live:SubscriberQueueMaxSeconds")]
    [InlineData("StreamHub__Live__PlayerWriteTimeoutSeconds", "0", "StreamHub:Live:PlayerWriteTimeoutSeconds")]
    [InlineData("StreamHub__Restream__ConnectTimeoutSeconds", "0", "StreamHub:Restream:ConnectTimeoutSeconds")]
    [InlineData("StreamHub__Restream__RetryMaxSeconds", "0.5", "StreamHub:Restream:RetryMaxSeconds")]
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
    public async Task A_bad_admin_key_setting_is_named_but_never_printed()
    {
        var settings = StreamHubProcess.DefaultSettings();
        settings["StreamHub__Admin__ApiKey"] = " secret-admin-key-with-a-space ";
        await using var server = StreamHubProcess.Start(settings);

        Assert.Equal(2, await server.WaitForExitAsync(ExitTimeout));
        Assert.Contains("StreamHub:Admin:ApiKey starts or ends with white space", server.Output);
        Assert.DoesNotContain("secret-admin-key", server.Output);
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
    public async Task A_busy_port_is_blamed_on_its_own_listener_not_on_one_whose_port_it_contains()
    {
        // As port 8080 busy must not be blamed on port 80's listener.
        var (port, containing) = PortAndOneWhoseNumberStartsWithIt();
        using var squatter = new TcpListener(IPAddress.Loopback, containing);
        squatter.Start();
        var settings = StreamHubProcess.DefaultSettings();
        settings["StreamHub__Rtmp__Port"] = port.ToString();
        settings["StreamHub__Http__Port"] = containing.ToString();
        await using var server = StreamHubProcess.Start(settings);

        Assert.Equal(3, await server.WaitForExitAsync(ExitTimeout));
        var line = Assert.Single(server.Output.Split('\n'), l => l.Contains("Cannot listen on", StringComparison.Ordinal));
        Assert.Contains($"127.0.0.1:{containing} for HTTP:", line);
        Assert.Contains("already in use", line);
        Assert.Contains("StreamHub:Http:Port", line);
        Assert.DoesNotContain("StreamHub:Rtmp:Port", line);
    }

    [Fact]
    public async Task A_port_that_kestrel_cannot_bind_is_found_from_the_endpoint_not_from_the_message_text()
    {
        // Two listeners given one port each pass the bind probe (it binds them one at a time) and the second fails in
        // Kestrel, whose error names the endpoint only in its text ("127.0.0.1:40001: address already in use"), where
        // the port-4000 listener's ":4000" also matches.
        var (port, containing) = PortAndOneWhoseNumberStartsWithIt();
        var settings = StreamHubProcess.DefaultSettings();
        settings["StreamHub__Rtmp__Port"] = port.ToString();
        settings["StreamHub__Http__Port"] = containing.ToString();
        settings["StreamHub__Https__Port"] = containing.ToString();
        await using var server = StreamHubProcess.Start(settings);

        Assert.Equal(3, await server.WaitForExitAsync(ExitTimeout));
        var line = Assert.Single(server.Output.Split('\n'), l => l.Contains("Cannot listen on", StringComparison.Ordinal));
        Assert.Contains($"127.0.0.1:{containing} for HTTPS:", line);
        Assert.Contains("already in use", line);
        Assert.Contains("StreamHub:Https:Port", line);
        Assert.DoesNotContain("StreamHub:Rtmp:Port", line);
        Assert.DoesNotContain("   at ", server.Output);
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
        // Ready can be answered before the line is read from the process output.
        await server.WaitForOutputAsync($"RTMP listening on 127.0.0.1:{server.RtmpPort}");

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

    /// <summary>Two free ports, the second's number the first's followed by one digit (4000 and 40001): the first
    /// below 6554, so the second is a port at all.</summary>
    private static (int Port, int Containing) PortAndOneWhoseNumberStartsWithIt()
    {
        for (var attempt = 0; attempt < 200; attempt++)
        {
            var port = Random.Shared.Next(2000, 6554);
            var containing = port * 10 + Random.Shared.Next(0, 10);
            if (containing <= 65535 && IsFree(port) && IsFree(containing))
            {
                return (port, containing);
            }
        }
        throw new InvalidOperationException("No free pair of ports such as 4000 and 40001 found.");
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            probe.Bind(new IPEndPoint(IPAddress.Loopback, port));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
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
