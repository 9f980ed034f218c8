using System.IO.Pipelines;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;

namespace StreamHub.Rtmp.Client;

/// <summary>What a relay needs beyond the probe: rtmps:// (TLS around the same bytes, PROTOCOL-NOTES §1) and media
/// written as ready-made chunks, so that one serialisation of a frame is shared by every connection with the same chunk
/// size and message stream id (<see cref="Playback.RtmpMediaChunks"/>).</summary>
public sealed partial class RtmpPublishClient
{
    /// <summary>Opens a TCP connection to <paramref name="host"/>, then TLS over it (SNI = <paramref name="host"/>,
    /// the system's certificate validation), each within <see cref="RtmpClientOptions.ReplyTimeout"/>. A certificate
    /// the system does not trust is <see cref="RtmpClientError.CertificateNotTrusted"/> unless
    /// <paramref name="allowUntrustedCertificate"/> (a self-signed server the caller knows); any other TLS failure is
    /// <see cref="RtmpClientError.TlsFailed"/>. The client owns the connection.</summary>
    public static async Task<RtmpPublishClient> ConnectTlsAsync(string host, int port, bool allowUntrustedCertificate,
        RtmpClientOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new RtmpClientOptions();
        var socket = await OpenSocketAsync(new DnsEndPoint(host, port), options, cancellationToken);
        var policyErrors = SslPolicyErrors.None;
        var tls = new SslStream(new NetworkStream(socket, ownsSocket: true), leaveInnerStreamOpen: false, (_, _, _, errors) =>
        {
            policyErrors = errors;
            return errors == SslPolicyErrors.None || allowUntrustedCertificate;
        });
        try
        {
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(options.ReplyTimeout);
            await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = host }, deadline.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            await tls.DisposeAsync();
            throw new RtmpClientException(RtmpClientError.Timeout,
                $"the TLS handshake timed out: no answer from {host}:{port} within {options.ReplyTimeout.TotalSeconds:0.###} s");
        }
        catch (AuthenticationException e) when (policyErrors != SslPolicyErrors.None)
        {
            await tls.DisposeAsync();
            throw new RtmpClientException(RtmpClientError.CertificateNotTrusted,
                $"TLS: the certificate of {host} is not trusted ({policyErrors})", innerException: e);
        }
        catch (Exception e) when (e is AuthenticationException or IOException)
        {
            await tls.DisposeAsync();
            throw new RtmpClientException(RtmpClientError.TlsFailed, $"TLS handshake with {host}:{port} failed: {e.Message}", innerException: e);
        }
        catch
        {
            await tls.DisposeAsync();
            throw;
        }
        return new RtmpPublishClient(PipeReader.Create(tls), PipeWriter.Create(tls), options, tls);
    }

    /// <summary>Lets <paramref name="write"/> put whole chunked messages into the output (at <see cref="OutChunkSize"/>
    /// on <see cref="StreamId"/>, format 0 first chunks, so they interleave safely with the client's own messages),
    /// then flushes them, under the write gate. Returns what <paramref name="write"/> returned (the bytes it wrote).
    /// The flush waits for the server to take the bytes for as long as <paramref name="cancellationToken"/> allows.</summary>
    public async ValueTask<long> WriteChunksAsync<TState>(Func<PipeWriter, TState, long> write, TState state, CancellationToken cancellationToken)
    {
        RequireState(RtmpPublishClientState.Publishing, "media");
        await _writeGate.WaitAsync(cancellationToken);
        try
        {
            var written = write(_output, state);
            if (written > 0)
            {
                await FlushAsync("media", cancellationToken);
            }
            return written;
        }
        finally
        {
            _writeGate.Release();
        }
    }
}
