using System.Diagnostics;
using System.IO.Pipelines;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Text;
using StreamHub.Rtmp.Client;
using StreamHub.Rtmp.Handshake;

namespace StreamHub.Diagnostics.Probe;

/// <summary>Walks an encoder's way into an RTMP server stage by stage (name, TCP, TLS, RTMPT tunnel, RTMP handshake,
/// connect) and says where it fails and what to check. The RTMP conversation is <see cref="RtmpPublishClient"/>'s, over
/// the socket or over an <see cref="RtmptClientTunnel"/>; every stage is bounded by the stage timeout.</summary>
public sealed class PortProbe(TimeSpan stageTimeout)
{
    private const string FlashVersion = "FMLE/3.0 (compatible; StreamHub probe)";

    /// <summary>How much of a refusal's description the report repeats: it is the server's text.</summary>
    private const int MaxDescriptionLength = 200;

    public async Task<ProbeReport> RunAsync(ProbeTarget target, CancellationToken cancellationToken = default)
    {
        var steps = new List<ProbeStep>();
        ProbeReport Fail(ProbeStage stage, TimeSpan elapsed, ProbeFailure failure, string detail, string hint)
        {
            steps.Add(new ProbeStep(stage, false, elapsed, detail));
            return new ProbeReport(target, steps, failure, hint);
        }

        // 1. Name resolution.
        var clock = Stopwatch.StartNew();
        IPAddress[] addresses;
        if (IPAddress.TryParse(target.Host, out var literal))
        {
            addresses = [literal];
            steps.Add(new ProbeStep(ProbeStage.Resolve, true, clock.Elapsed, $"{target.Host} is an address"));
        }
        else
        {
            try
            {
                addresses = await Dns.GetHostAddressesAsync(target.Host, cancellationToken).WaitAsync(stageTimeout, cancellationToken);
            }
            catch (Exception ex) when (ex is SocketException or TimeoutException)
            {
                return Fail(ProbeStage.Resolve, clock.Elapsed, ProbeFailure.NameResolution,
                    $"{target.Host} could not be resolved: {(ex is TimeoutException ? "no answer from DNS" : ex.Message)}",
                    $"Check the host name for typos. `getent hosts {target.Host}` shows what this machine resolves; a new DNS record can take a while to appear everywhere.");
            }
            if (addresses.Length == 0)
            {
                return Fail(ProbeStage.Resolve, clock.Elapsed, ProbeFailure.NameResolution, $"{target.Host} has no address",
                    "The name exists but has no A or AAAA record: add one pointing at the server.");
            }
            addresses = [.. addresses.OrderBy(a => a.AddressFamily == AddressFamily.InterNetwork ? 0 : 1)];
            steps.Add(new ProbeStep(ProbeStage.Resolve, true, clock.Elapsed, $"{target.Host} -> {string.Join(", ", addresses.Take(4))}"));
        }

        // 2. TCP connection.
        clock.Restart();
        var endpoint = new IPEndPoint(addresses[0], target.Port);
        Socket socket;
        try
        {
            socket = await ConnectAsync(endpoint, cancellationToken);
        }
        catch (SocketException ex) when (ex.SocketErrorCode == SocketError.ConnectionRefused)
        {
            return Fail(ProbeStage.Connect, clock.Elapsed, ProbeFailure.ConnectionRefused,
                $"{endpoint} refused the connection",
                $"Nothing accepts connections on port {target.Port} there (or a firewall rejects them). Is the server running, listening on {target.Port}? " +
                $"On the server, `ss -ltnp | grep :{target.Port}` shows the listener; for StreamHub check StreamHub:Rtmp:Port (RTMP), StreamHub:Http:Port or StreamHub:Https:Port.");
        }
        catch (Exception ex) when (ex is TimeoutException or SocketException)
        {
            var detail = ex is SocketException socketError ? $"{endpoint}: {socketError.Message}" : $"no answer from {endpoint} within {Seconds} s";
            return Fail(ProbeStage.Connect, clock.Elapsed, ProbeFailure.NoAnswer, detail,
                $"The connection attempt got no answer: a firewall is dropping it (the port is filtered), or the host is down. Open TCP {target.Port} on the server " +
                $"(`ufw allow {target.Port}/tcp`, `firewall-cmd --add-port={target.Port}/tcp`), in the cloud provider's security group, and forward it on the router if the server is behind NAT. " +
                $"Networks that block 1935 usually let web ports through: try rtmps://{target.Host}:443/{target.Application} or rtmp://{target.Host}:80/{target.Application}.");
        }
        steps.Add(new ProbeStep(ProbeStage.Connect, true, clock.Elapsed, $"TCP connected to {endpoint}"));

        Stream stream = new NetworkStream(socket, ownsSocket: true);
        HttpClient? http = null;
        RtmptClientTunnel? tunnel = null;
        try
        {
            // 3. TLS, for rtmps:// and rtmpts://.
            if (target.Tls)
            {
                clock.Restart();
                var policyErrors = SslPolicyErrors.None;
                var tls = new SslStream(stream, leaveInnerStreamOpen: false, (_, _, _, errors) =>
                {
                    policyErrors = errors;
                    return true; // reported below as a warning: the point is to find where the path breaks
                });
                stream = tls;
                try
                {
                    await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = target.Host }, cancellationToken)
                        .WaitAsync(stageTimeout, cancellationToken);
                }
                catch (Exception ex) when (ex is AuthenticationException or IOException or TimeoutException)
                {
                    return Fail(ProbeStage.Tls, clock.Elapsed, ProbeFailure.TlsFailed, $"TLS handshake failed: {ex.Message}",
                        $"Port {target.Port} does not speak TLS, or its TLS set-up is broken. If it is a plain port, use {(target.Tunnel ? "rtmpt" : "rtmp")}://{target.Host}:{target.Port}/{target.Application}.");
                }
                var certificate = tls.RemoteCertificate;
                var warning = policyErrors == SslPolicyErrors.None
                    ? null
                    : $"the certificate is not trusted by this machine ({policyErrors}); encoders that verify certificates (OBS) will refuse it until a certificate for {target.Host} from a trusted CA is configured";
                steps.Add(new ProbeStep(ProbeStage.Tls, true, clock.Elapsed,
                    $"{tls.SslProtocol}, certificate {certificate?.Subject} (SHA-256 {certificate?.GetCertHashString(HashAlgorithmName.SHA256)})", warning));
            }

            // 4. The RTMPT tunnel, for rtmpt:// and rtmpts://: HTTP over the connection made above.
            PipeReader input;
            PipeWriter output;
            if (target.Tunnel)
            {
                clock.Restart();
                http = TunnelHttpClient(target, endpoint, stream);
                try
                {
                    tunnel = await RtmptClientTunnel.OpenAsync(http, stageTimeout, cancellationToken);
                }
                catch (RtmpClientException ex)
                {
                    return Fail(ProbeStage.TunnelOpen, clock.Elapsed, ProbeFailure.TunnelFailed, ex.Message, ex.Error == RtmpClientError.Timeout
                        ? "The port accepted the connection but no HTTP server answered. Check which service listens on that port."
                        : $"The port does not open RTMPT tunnels. On StreamHub they are served on the HTTP and HTTPS ports (StreamHub:Rtmp:AcceptTunnel); " +
                          $"a plain RTMP port needs rtmp://{target.Host}:{target.Port}/{target.Application}, a TLS port rtmpts://.");
                }
                steps.Add(new ProbeStep(ProbeStage.TunnelOpen, true, clock.Elapsed, $"RTMPT tunnel opened (POST /open/1, id of {tunnel.Id.Length} characters)"));
                input = tunnel.Input;
                output = tunnel.Output;
            }
            else
            {
                input = PipeReader.Create(stream, new StreamPipeReaderOptions(leaveOpen: true));
                output = PipeWriter.Create(stream, new StreamPipeWriterOptions(leaveOpen: true));
            }

            await using var client = new RtmpPublishClient(input, output, new RtmpClientOptions { ReplyTimeout = stageTimeout, FlashVersion = FlashVersion });

            // 5. RTMP handshake.
            clock.Restart();
            try
            {
                await client.HandshakeAsync(HandshakeScheme.Simple, cancellationToken);
            }
            catch (Exception ex) when (ex is RtmpClientException or IOException)
            {
                var received = ex is RtmpClientException refused ? refused.Received.ToArray() : [];
                var (detail, hint, failure) = ExplainHandshakeFailure(target, ex, received);
                return Fail(ProbeStage.Handshake, clock.Elapsed, failure, detail, hint);
            }
            steps.Add(new ProbeStep(ProbeStage.Handshake, true, clock.Elapsed, "RTMP version 3 handshake done"));

            // 6. connect(app).
            clock.Restart();
            var tcUrl = $"{target.Scheme}://{target.Host}:{target.Port}/{target.Application}";
            try
            {
                var accepted = await client.ConnectAppAsync(target.Application, tcUrl, cancellationToken);
                steps.Add(new ProbeStep(ProbeStage.ConnectApp, true, clock.Elapsed,
                    $"connect('{target.Application}') accepted: {RtmpClientException.InfoObject(accepted)?.GetString("code")}"));
            }
            catch (RtmpClientException ex) when (ex.Error == RtmpClientError.ConnectRejected)
            {
                return Fail(ProbeStage.ConnectApp, clock.Elapsed, ProbeFailure.ConnectRejected,
                    $"connect('{target.Application}') refused: {ex.StatusCode} {Printable(ex.Description)}".TrimEnd(),
                    "Check the application name in the URL (StreamHub: StreamHub:Rtmp:Application, 'live' by default), and whether this address may publish (StreamHub:Access:Publish).");
            }
            catch (Exception ex) when (ex is RtmpClientException or IOException)
            {
                return Fail(ProbeStage.ConnectApp, clock.Elapsed, ProbeFailure.ConnectRejected,
                    $"no answer to connect within {Seconds} s (or the connection closed)",
                    $"The server did the handshake but did not accept connect('{target.Application}'). Check the application name in the URL (StreamHub: StreamHub:Rtmp:Application, 'live' by default) and the server's log.");
            }
            return new ProbeReport(target, steps, ProbeFailure.None, $"Encoders can reach this server. Publish to {tcUrl}/{{streamKey}} (OBS: server {tcUrl}, stream key {{streamKey}}).");
        }
        finally
        {
            if (tunnel is not null)
            {
                await tunnel.DisposeAsync();
            }
            http?.Dispose();
            await stream.DisposeAsync();
        }
    }

    private string Seconds => stageTimeout.TotalSeconds.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>A TCP connection within the stage timeout.</summary>
    private async Task<Socket> ConnectAsync(IPEndPoint endpoint, CancellationToken cancellationToken)
    {
        var socket = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(endpoint, cancellationToken).AsTask().WaitAsync(stageTimeout, cancellationToken);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>HTTP/1.1 to the probed server over <paramref name="first"/>, the connection the earlier stages made (TLS
    /// included), so the tunnel goes the way they checked; should the server close it, later requests connect again
    /// the same way.</summary>
    private HttpClient TunnelHttpClient(ProbeTarget target, IPEndPoint endpoint, Stream first)
    {
        var unused = first;
        var handler = new SocketsHttpHandler
        {
            UseProxy = false,
            AllowAutoRedirect = false,
            MaxConnectionsPerServer = 1,
            ConnectCallback = async (_, cancellationToken) =>
            {
                if (Interlocked.Exchange(ref unused, null) is { } stream)
                {
                    return stream;
                }
                var socket = await ConnectAsync(endpoint, cancellationToken);
                Stream again = new NetworkStream(socket, ownsSocket: true);
                if (target.Tls)
                {
                    var tls = new SslStream(again, leaveInnerStreamOpen: false, (_, _, _, _) => true);
                    await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = target.Host }, cancellationToken)
                        .WaitAsync(stageTimeout, cancellationToken);
                    again = tls;
                }
                return again;
            },
        };
        // TLS, when there is any, is the stream's own: HTTP itself goes as plain HTTP/1.1 over it.
        var host = endpoint.Address.AddressFamily == AddressFamily.InterNetworkV6 && IPAddress.TryParse(target.Host, out _) ? $"[{target.Host}]" : target.Host;
        return new HttpClient(handler)
        {
            BaseAddress = new Uri($"http://{host}:{target.Port}/"),
            Timeout = Timeout.InfiniteTimeSpan,
            DefaultRequestVersion = HttpVersion.Version11,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
    }

    private (string Detail, string Hint, ProbeFailure Failure) ExplainHandshakeFailure(ProbeTarget target, Exception ex, byte[] received)
    {
        if (received.Length > 0 && received[0] != HandshakeReader.RtmpVersion)
        {
            var text = Encoding.ASCII.GetString(received);
            return text.StartsWith("HTTP/", StringComparison.Ordinal)
                ? ("an HTTP server answered, not RTMP",
                    $"Port {target.Port} serves HTTP. Publish to the RTMP port (1935 by default); on StreamHub, RTMP on a web port needs StreamHub:Http:AcceptRtmp (HTTP) or StreamHub:Https:AcceptRtmp with rtmps:// (HTTPS), and rtmpt://{target.Host}:{target.Port}/{target.Application} tunnels RTMP in HTTP.",
                    ProbeFailure.NotRtmp)
                : received[0] is 0x15 or 0x16
                    ? ("a TLS server answered, not plain RTMP", $"Port {target.Port} expects TLS: use rtmps://{target.Host}:{target.Port}/{target.Application}.", ProbeFailure.NotRtmp)
                    : ($"the server answered with 0x{received[0]:X2}, not RTMP version 3", "The program on that port is not an RTMP server.", ProbeFailure.NotRtmp);
        }
        var timedOut = ex is RtmpClientException { Error: RtmpClientError.Timeout };
        if (received.Length > 0)
        {
            return (timedOut ? $"the RTMP handshake stopped half way (no complete S0, S1 and S2 within {Seconds} s)" : "the RTMP handshake stopped half way (the server closed the connection)",
                "The server started the RTMP handshake but did not finish it; its log should say why.", ProbeFailure.HandshakeFailed);
        }
        if (timedOut)
        {
            return ($"connected, but nothing answered the RTMP handshake within {Seconds} s",
                "The port is open but the program behind it is not an RTMP server, or it is overloaded. Check which service listens on that port.",
                ProbeFailure.NotRtmp);
        }
        return ("the server closed the connection without answering the RTMP handshake",
            target.Tls || target.Tunnel
                ? "The port is open but the program behind it is not an RTMP server (or refused this address). Check which service listens on that port."
                : $"The port is open but the program behind it is not a plain RTMP server, or refused this address. If it is a TLS port (such as 443), use rtmps://{target.Host}:{target.Port}/{target.Application}.",
            ProbeFailure.NotRtmp);
    }

    /// <summary>The server's words, cut short and without control characters, fit for one line of the report.</summary>
    private static string Printable(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return "";
        }
        var cut = text.Length > MaxDescriptionLength ? text[..MaxDescriptionLength] + "…" : text;
        return new string([.. cut.Select(c => char.IsControl(c) ? ' ' : c)]);
    }
}
