using System.Net;
using System.Net.Sockets;
using StreamHub.Diagnostics.Probe;
using StreamHub.Tests.Infrastructure;

namespace StreamHub.Tests.Diagnostics;

/// <summary><c>StreamHub probe</c> against StreamHub itself (RTMP, RTMPS, RTMPT, RTMPTS), a closed port, a plain HTTP
/// server, an HTTP server without tunnels, a TLS port and a server that says nothing.</summary>
public sealed class ProbeCommandTests
{
    [Fact]
    public async Task Against_streamhub_every_stage_passes_and_the_exit_code_is_zero()
    {
        await using var host = StreamHubHost.Start();
        var (code, output) = await ProbeAsync($"rtmp://127.0.0.1:{host.RtmpPort}/live");

        Assert.Equal(0, code);
        Assert.Contains("ok    tcp connect", output);
        Assert.Contains("ok    handshake", output);
        Assert.Contains("connect('live') accepted: NetConnection.Connect.Success", output);
        Assert.Contains($"rtmp://127.0.0.1:{host.RtmpPort}/live/{{streamKey}}", output);
    }

    [Fact]
    public async Task Rtmps_on_the_https_port_passes_and_warns_about_an_untrusted_certificate()
    {
        await using var host = StreamHubHost.Start();
        var (code, output) = await ProbeAsync($"rtmps://localhost:{host.HttpsPort}/live");

        Assert.Equal(0, code);
        Assert.Contains("ok    tls", output);
        Assert.Contains("warning: the certificate is not trusted", output);
    }

    [Fact]
    public async Task Rtmpt_on_the_http_port_passes_every_stage_through_the_tunnel()
    {
        await using var host = StreamHubHost.Start();
        var (code, output) = await ProbeAsync($"rtmpt://127.0.0.1:{host.HttpPort}/live");

        Assert.Equal(0, code);
        Assert.Contains("RTMPT, application 'live'", output);
        Assert.Contains("ok    rtmpt open", output);
        Assert.Contains("ok    handshake", output);
        Assert.Contains("connect('live') accepted: NetConnection.Connect.Success", output);
        Assert.Contains($"rtmpt://127.0.0.1:{host.HttpPort}/live/{{streamKey}}", output);
    }

    [Fact]
    public async Task Rtmpts_on_the_https_port_passes_tls_and_the_tunnel()
    {
        await using var host = StreamHubHost.Start();
        var (code, output) = await ProbeAsync($"rtmpts://localhost:{host.HttpsPort}/live");

        Assert.Equal(0, code);
        Assert.Contains("ok    tls", output);
        Assert.Contains("ok    rtmpt open", output);
        Assert.Contains("connect('live') accepted: NetConnection.Connect.Success", output);
    }

    [Fact]
    public async Task Rtmpt_against_an_http_port_without_tunnels_fails_at_rtmpt_open_with_a_hint()
    {
        await using var host = StreamHubHost.Start(new Dictionary<string, string?> { ["StreamHub:Rtmp:AcceptTunnel"] = "false" });
        var (code, output) = await ProbeAsync($"rtmpt://127.0.0.1:{host.HttpPort}/live");

        Assert.Equal((int)ProbeFailure.TunnelFailed, code);
        Assert.Contains("FAIL  rtmpt open", output);
        Assert.Contains("does not open RTMPT tunnels", output);
        Assert.Contains("StreamHub:Rtmp:AcceptTunnel", output);
    }

    [Fact]
    public async Task Rtmpt_against_the_plain_rtmp_port_fails_at_rtmpt_open_and_suggests_rtmp()
    {
        await using var host = StreamHubHost.Start();
        var (code, output) = await ProbeAsync($"rtmpt://127.0.0.1:{host.RtmpPort}/live", "--timeout", "3");

        Assert.Equal((int)ProbeFailure.TunnelFailed, code);
        Assert.Contains("FAIL  rtmpt open", output);
        Assert.Contains($"rtmp://127.0.0.1:{host.RtmpPort}/live", output);
    }

    [Fact]
    public async Task Rtmpt_against_a_server_that_accepts_and_says_nothing_fails_at_rtmpt_open_within_the_timeout()
    {
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var port = ((IPEndPoint)silent.LocalEndpoint).Port;
        var accepting = silent.AcceptTcpClientAsync();

        var (code, output) = await ProbeAsync($"rtmpt://127.0.0.1:{port}/live", "--timeout", "1");

        Assert.Equal((int)ProbeFailure.TunnelFailed, code);
        Assert.Contains("no HTTP answer within 1 s", output);
        Assert.Contains("no HTTP server answered", output);
        (await accepting).Dispose();
    }

    [Fact]
    public async Task A_closed_port_fails_at_tcp_connect_as_refused_with_a_hint()
    {
        var port = FreePorts.Next();
        var (code, output) = await ProbeAsync($"rtmp://127.0.0.1:{port}/live");

        Assert.Equal((int)ProbeFailure.ConnectionRefused, code);
        Assert.Contains("FAIL  tcp connect", output);
        Assert.Contains("refused", output);
        Assert.Contains($"ss -ltnp | grep :{port}", output);
    }

    [Fact]
    public async Task A_plain_http_server_is_recognised_as_http_not_rtmp()
    {
        await using var host = StreamHubHost.Start(new Dictionary<string, string?> { ["StreamHub:Http:AcceptRtmp"] = "false" });
        var (code, output) = await ProbeAsync($"rtmp://127.0.0.1:{host.HttpPort}/live");

        Assert.Equal((int)ProbeFailure.NotRtmp, code);
        Assert.Contains("an HTTP server answered", output);
        Assert.Contains("StreamHub:Http:AcceptRtmp", output);
    }

    [Fact]
    public async Task A_tls_port_probed_with_plain_rtmp_fails_at_the_handshake_and_suggests_rtmps()
    {
        await using var host = StreamHubHost.Start(new Dictionary<string, string?> { ["StreamHub:Https:AcceptRtmp"] = "false" });
        var (code, output) = await ProbeAsync($"rtmp://127.0.0.1:{host.HttpsPort}/live");

        Assert.Equal((int)ProbeFailure.NotRtmp, code);
        Assert.Contains("FAIL  handshake", output);
        Assert.Contains($"rtmps://127.0.0.1:{host.HttpsPort}/live", output);
    }

    [Fact]
    public async Task Rtmps_against_a_plain_rtmp_port_fails_at_tls()
    {
        await using var host = StreamHubHost.Start();
        var (code, output) = await ProbeAsync($"rtmps://127.0.0.1:{host.RtmpPort}/live");

        Assert.Equal((int)ProbeFailure.TlsFailed, code);
        Assert.Contains("FAIL  tls", output);
    }

    [Fact]
    public async Task A_wrong_application_fails_at_rtmp_connect_with_the_servers_reason()
    {
        await using var host = StreamHubHost.Start();
        var (code, output) = await ProbeAsync($"rtmp://127.0.0.1:{host.RtmpPort}/notlive");

        Assert.Equal((int)ProbeFailure.ConnectRejected, code);
        Assert.Contains("NetConnection.Connect.Rejected", output);
        Assert.Contains("StreamHub:Rtmp:Application", output);
    }

    [Fact]
    public async Task A_server_that_accepts_and_says_nothing_fails_at_the_handshake()
    {
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var port = ((IPEndPoint)silent.LocalEndpoint).Port;
        var accepting = silent.AcceptTcpClientAsync();

        var (code, output) = await ProbeAsync($"rtmp://127.0.0.1:{port}/live", "--timeout", "1");

        Assert.Equal((int)ProbeFailure.NotRtmp, code);
        Assert.Contains("nothing answered the RTMP handshake within 1 s", output);
        (await accepting).Dispose();
    }

    [Fact]
    public async Task The_probe_runs_as_a_command_of_the_server_program_with_a_nonzero_exit_code_on_failure()
    {
        var port = FreePorts.Next();
        var result = await ExternalProcess.RunAsync("dotnet",
            [Path.Combine(AppContext.BaseDirectory, "StreamHub.dll"), "probe", $"rtmp://127.0.0.1:{port}/live"], TimeSpan.FromSeconds(60));

        Assert.Equal((int)ProbeFailure.ConnectionRefused, result.ExitCode);
        Assert.Contains("FAIL  tcp connect", result.Output);
    }

    [Theory]
    [InlineData("http://example.com/live")]
    [InlineData("not a url")]
    public async Task A_bad_url_gets_usage_and_exit_code_2(string url)
    {
        var (code, output) = await ProbeAsync(url);
        Assert.Equal(2, code);
        Assert.Contains("usage: StreamHub probe", output);
    }

    private static async Task<(int Code, string Output)> ProbeAsync(params string[] args)
    {
        // Every stage is bounded by the probe's own timeout (5 s unless given): a probe that hangs fails here.
        var output = new StringWriter();
        var code = await ProbeCommand.RunAsync(args, output).WaitAsync(TimeSpan.FromSeconds(60));
        return (code, output.ToString());
    }
}
