using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Text;
using StreamHub.Rtmp.Amf;
using StreamHub.Rtmp.Chunking;
using StreamHub.Rtmp.Commands;
using StreamHub.Rtmp.Messages;

namespace StreamHub.Diagnostics.Probe;

/// <summary>Walks an encoder's way into an RTMP server stage by stage (name, TCP, TLS, RTMP handshake, connect) and
/// says where it fails and what to check. The client side of the same parsers and writers the server uses.</summary>
public sealed class PortProbe(TimeSpan stageTimeout)
{
    private const int HandshakeSize = 1536;

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
        var address = addresses[0];
        using var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(new IPEndPoint(address, target.Port), cancellationToken).AsTask().WaitAsync(stageTimeout, cancellationToken);
        }
        catch (SocketException ex) when (ex.SocketErrorCode == SocketError.ConnectionRefused)
        {
            return Fail(ProbeStage.Connect, clock.Elapsed, ProbeFailure.ConnectionRefused,
                $"{address}:{target.Port} refused the connection",
                $"Nothing accepts connections on port {target.Port} there (or a firewall rejects them). Is the server running, listening on {target.Port}? " +
                $"On the server, `ss -ltnp | grep :{target.Port}` shows the listener; for StreamHub check StreamHub:Rtmp:Port (RTMP), StreamHub:Http:Port or StreamHub:Https:Port.");
        }
        catch (Exception ex) when (ex is TimeoutException or SocketException)
        {
            var detail = ex is SocketException socketError ? $"{address}:{target.Port}: {socketError.Message}" : $"no answer from {address}:{target.Port} within {stageTimeout.TotalSeconds:0} s";
            return Fail(ProbeStage.Connect, clock.Elapsed, ProbeFailure.NoAnswer, detail,
                $"The connection attempt got no answer: a firewall is dropping it (the port is filtered), or the host is down. Open TCP {target.Port} on the server " +
                $"(`ufw allow {target.Port}/tcp`, `firewall-cmd --add-port={target.Port}/tcp`), in the cloud provider's security group, and forward it on the router if the server is behind NAT. " +
                $"Networks that block 1935 usually let web ports through: try rtmps://{target.Host}:443/{target.Application} or rtmp://{target.Host}:80/{target.Application}.");
        }
        steps.Add(new ProbeStep(ProbeStage.Connect, true, clock.Elapsed, $"TCP connected to {address}:{target.Port}"));

        Stream stream = new NetworkStream(socket, ownsSocket: false);
        try
        {
            // 3. TLS, for rtmps://.
            if (target.Tls)
            {
                clock.Restart();
                SslPolicyErrors policyErrors = SslPolicyErrors.None;
                var tls = new SslStream(stream, leaveInnerStreamOpen: false, (_, _, _, errors) =>
                {
                    policyErrors = errors;
                    return true; // reported below as a warning: the point is to find where the path breaks
                });
                try
                {
                    await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = target.Host }, cancellationToken)
                        .WaitAsync(stageTimeout, cancellationToken);
                }
                catch (Exception ex) when (ex is AuthenticationException or IOException or TimeoutException)
                {
                    await tls.DisposeAsync();
                    return Fail(ProbeStage.Tls, clock.Elapsed, ProbeFailure.TlsFailed, $"TLS handshake failed: {ex.Message}",
                        $"Port {target.Port} does not speak TLS, or its TLS set-up is broken. If it is a plain RTMP port, use rtmp://{target.Host}:{target.Port}/{target.Application}.");
                }
                var certificate = tls.RemoteCertificate;
                var warning = policyErrors == SslPolicyErrors.None
                    ? null
                    : $"the certificate is not trusted by this machine ({policyErrors}); encoders that verify certificates (OBS) will refuse it until a certificate for {target.Host} from a trusted CA is configured";
                steps.Add(new ProbeStep(ProbeStage.Tls, true, clock.Elapsed,
                    $"{tls.SslProtocol}, certificate {certificate?.Subject} (SHA-256 {certificate?.GetCertHashString(HashAlgorithmName.SHA256)})", warning));
                stream = tls;
            }

            // 4. RTMP handshake.
            clock.Restart();
            var c0c1 = new byte[1 + HandshakeSize];
            c0c1[0] = 0x03;
            RandomNumberGenerator.Fill(c0c1.AsSpan(9));
            await stream.WriteAsync(c0c1, cancellationToken);
            var s0s1s2 = new byte[1 + 2 * HandshakeSize];
            var got = await ReadAtLeastAsync(stream, s0s1s2, 1, stageTimeout, cancellationToken);
            if (got == 0)
            {
                return Fail(ProbeStage.Handshake, clock.Elapsed, ProbeFailure.NotRtmp,
                    "the server closed the connection without answering the RTMP handshake",
                    target.Tls
                        ? "The port is open but the program behind it is not an RTMP server (or refused this address). Check which service listens on that port."
                        : $"The port is open but the program behind it is not a plain RTMP server, or refused this address. If it is a TLS port (such as 443), use rtmps://{target.Host}:{target.Port}/{target.Application}.");
            }
            if (got < 0)
            {
                return Fail(ProbeStage.Handshake, clock.Elapsed, ProbeFailure.NotRtmp,
                    $"connected, but nothing answered the RTMP handshake within {stageTimeout.TotalSeconds:0} s",
                    "The port is open but the program behind it is not an RTMP server, or it is overloaded. Check which service listens on that port.");
            }
            if (s0s1s2[0] != 0x03)
            {
                var text = Encoding.ASCII.GetString(s0s1s2, 0, Math.Min(got, 12));
                var (detail, hint) = text.StartsWith("HTTP/", StringComparison.Ordinal)
                    ? ("an HTTP server answered, not RTMP",
                        $"Port {target.Port} serves HTTP. Publish to the RTMP port (1935 by default); on StreamHub, RTMP on a web port needs StreamHub:Http:AcceptRtmp (HTTP) or StreamHub:Https:AcceptRtmp with rtmps:// (HTTPS).")
                    : s0s1s2[0] is 0x15 or 0x16
                        ? ("a TLS server answered, not plain RTMP", $"Port {target.Port} expects TLS: use rtmps://{target.Host}:{target.Port}/{target.Application}.")
                        : ($"the server answered with 0x{s0s1s2[0]:X2}, not RTMP version 3", "The program on that port is not an RTMP server.");
                return Fail(ProbeStage.Handshake, clock.Elapsed, ProbeFailure.NotRtmp, detail, hint);
            }
            if (got < s0s1s2.Length && await ReadAtLeastAsync(stream, s0s1s2.AsMemory(got), s0s1s2.Length - got, stageTimeout, cancellationToken) < s0s1s2.Length - got)
            {
                return Fail(ProbeStage.Handshake, clock.Elapsed, ProbeFailure.HandshakeFailed, "the RTMP handshake stopped half way (S1/S2 incomplete)",
                    "The server started the RTMP handshake but did not finish it; its log should say why.");
            }
            await stream.WriteAsync(s0s1s2.AsMemory(1, HandshakeSize), cancellationToken); // C2 = S1
            steps.Add(new ProbeStep(ProbeStage.Handshake, true, clock.Elapsed, "RTMP version 3 handshake done"));

            // 5. connect(app).
            clock.Restart();
            var tcUrl = $"{(target.Tls ? "rtmps" : "rtmp")}://{target.Host}:{target.Port}/{target.Application}";
            var output = new ArrayBufferWriter<byte>();
            CommandWriter.Write(output, new ArrayBufferWriter<byte>(), chunkStreamId: 3, streamId: 0, ChunkReader.DefaultChunkSize, "connect", 1,
                new AmfObject
                {
                    ["app"] = target.Application,
                    ["type"] = "nonprivate",
                    ["flashVer"] = "FMLE/3.0 (compatible; StreamHub probe)",
                    ["tcUrl"] = tcUrl,
                });
            await stream.WriteAsync(output.WrittenMemory, cancellationToken);
            var answer = await ReadConnectAnswerAsync(stream, cancellationToken);
            if (answer is null)
            {
                return Fail(ProbeStage.ConnectApp, clock.Elapsed, ProbeFailure.ConnectRejected,
                    $"no answer to connect within {stageTimeout.TotalSeconds:0} s (or the connection closed)",
                    $"The server did the handshake but did not accept connect('{target.Application}'). Check the application name in the URL (StreamHub: StreamHub:Rtmp:Application, 'live' by default) and the server's log.");
            }
            var (name, code, description) = answer.Value;
            if (name != "_result")
            {
                return Fail(ProbeStage.ConnectApp, clock.Elapsed, ProbeFailure.ConnectRejected, $"connect('{target.Application}') refused: {code} {description}".TrimEnd(),
                    $"Check the application name in the URL (StreamHub: StreamHub:Rtmp:Application, 'live' by default), and whether this address may publish (StreamHub:Access:Publish).");
            }
            steps.Add(new ProbeStep(ProbeStage.ConnectApp, true, clock.Elapsed, $"connect('{target.Application}') accepted: {code}"));
            return new ProbeReport(target, steps, ProbeFailure.None, $"Encoders can reach this server. Publish to {tcUrl}/{{streamKey}} (OBS: server {tcUrl}, stream key {{streamKey}}).");
        }
        finally
        {
            await stream.DisposeAsync();
        }
    }

    /// <summary>Reads until <paramref name="minimum"/> bytes arrived: the count read, 0 when the peer closed first,
    /// -1 on the stage timeout with nothing read.</summary>
    private async Task<int> ReadAtLeastAsync(Stream stream, Memory<byte> buffer, int minimum, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        var total = 0;
        try
        {
            while (total < minimum)
            {
                var read = await stream.ReadAsync(buffer[total..], deadline.Token);
                if (read == 0)
                {
                    return total;
                }
                total += read;
            }
            return total;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return total == 0 ? -1 : total;
        }
        catch (IOException)
        {
            return total;
        }
    }

    private async Task<(string Name, string? Code, string? Description)?> ReadConnectAnswerAsync(Stream stream, CancellationToken cancellationToken)
    {
        using var reader = new ChunkReader(maxMessageSize: 1024 * 1024, maxChunkSize: 0xFFFFFF, maxChunkStreams: 64);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(stageTimeout);
        var pending = new byte[64 * 1024];
        var length = 0;
        try
        {
            while (true)
            {
                if (length == pending.Length)
                {
                    Array.Resize(ref pending, pending.Length * 2);
                }
                var read = await stream.ReadAsync(pending.AsMemory(length), deadline.Token);
                if (read == 0)
                {
                    return null;
                }
                length += read;
                var buffer = new ReadOnlySequence<byte>(pending, 0, length);
                while (reader.TryRead(ref buffer, out var message))
                {
                    if (message.Type == RtmpMessageType.SetChunkSize)
                    {
                        reader.SetChunkSize(BinaryPrimitives.ReadUInt32BigEndian(message.Payload.FirstSpan.Length >= 4 ? message.Payload.FirstSpan : message.Payload.ToArray()));
                    }
                    else if (message.Type == RtmpMessageType.Amf0Command)
                    {
                        var command = AmfMessageReader.ReadCommand(message.Payload, amf3: false, maxDepth: 16);
                        if (command.Name is "_result" or "_error" && command.TransactionId == 1)
                        {
                            var info = command.Arguments.Count > 0 ? command.Arguments[0] as AmfObject : null;
                            return (command.Name, info?.GetString("code"), info?.GetString("description"));
                        }
                    }
                }
                var consumed = (int)(length - buffer.Length);
                Array.Copy(pending, consumed, pending, 0, length - consumed);
                length -= consumed;
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return null;
        }
        catch (Exception ex) when (ex is IOException or Rtmp.RtmpProtocolException)
        {
            return null;
        }
    }
}
