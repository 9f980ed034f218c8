using System.Net.Sockets;
using StreamHub.Diagnostics;
using StreamHub.Rtmp.Client;

namespace StreamHub.Restream;

/// <summary>Why an attempt to push failed, in words for the API, the dashboard and the log line; and whether retrying
/// soon can help (a refused key, a refused application or an untrusted certificate wait for the longest backoff, in
/// state <see cref="TargetState.Failed"/>). The key never appears: a platform's description may echo the publish
/// name, so it is scrubbed.</summary>
public sealed record PushFailure(string Error, bool Lasting)
{
    private const int MaxDescription = 200;

    public static PushFailure Of(Exception exception, RestreamTarget target, bool wasLive)
    {
        var where = $"{target.Host}:{target.Port}";
        switch (exception)
        {
            case RtmpClientException { Error: RtmpClientError.PublishRefused } refused:
                return new($"the platform refused the publish: {refused.StatusCode ?? "error"}{Described(refused, target)}", true);
            case RtmpClientException { Error: RtmpClientError.ConnectRejected } rejected:
                return new($"the platform refused connect to application \"{target.Application}\": {rejected.StatusCode ?? "error"}{Described(rejected, target)}", true);
            case RtmpClientException { Error: RtmpClientError.CreateStreamFailed } created:
                return new($"the platform refused createStream: {created.StatusCode ?? "error"}{Described(created, target)}", false);
            case RtmpClientException { Error: RtmpClientError.CertificateNotTrusted } untrusted:
                return new($"{untrusted.Message}; a self-signed server of your own can be allowed with the target's AllowUntrustedCertificate", true);
            case RtmpClientException { Error: RtmpClientError.Timeout } timeout:
                return new(timeout.Message.StartsWith("the handshake", StringComparison.Ordinal)
                    ? $"timeout waiting for the handshake: {where} accepted the connection and did not answer ({timeout.Message})"
                    : timeout.Message, false);
            case RtmpClientException { Error: RtmpClientError.ConnectionClosed } when wasLive:
                return new("the platform closed the connection mid-stream", false);
            case RtmpClientException { Error: RtmpClientError.ProtocolViolation } violation:
                return new(HandshakeHint(violation) ?? violation.Message, false);
            case RtmpClientException other:
                return new(HandshakeHint(other) ?? other.Message, false);
            case SocketException socket:
                return new(Socket(socket.SocketErrorCode, target, wasLive, socket.Message), false);
            case IOException { InnerException: SocketException socket }:
                return new(Socket(socket.SocketErrorCode, target, wasLive, socket.Message), false);
            case IOException io:
                return new(wasLive ? $"the connection broke mid-stream: {io.Message}" : $"the connection broke: {io.Message}", false);
            case OperationCanceledException:
                return new("timed out", false);
            default:
                return new(exception.Message, false);
        }
    }

    private static string Socket(SocketError error, RestreamTarget target, bool wasLive, string message) => error switch
    {
        SocketError.ConnectionRefused => $"connection refused by {target.Host}:{target.Port}",
        SocketError.HostNotFound or SocketError.NoData or SocketError.TryAgain => $"DNS: the name {target.Host} could not be resolved ({message})",
        SocketError.ConnectionReset or SocketError.ConnectionAborted or SocketError.Shutdown =>
            wasLive ? "the connection was reset mid-stream" : $"the connection was reset by {target.Host}:{target.Port}",
        SocketError.TimedOut => $"the connection to {target.Host}:{target.Port} timed out",
        SocketError.NetworkUnreachable or SocketError.HostUnreachable => $"{target.Host}:{target.Port} is unreachable ({message})",
        _ => $"network error ({error}): {message}",
    };

    /// <summary>A handshake answered by something that is not RTMP: TLS on a plain port, or HTTP.</summary>
    private static string? HandshakeHint(RtmpClientException exception) => exception.Received.Span switch
    {
        [0x15 or 0x16, ..] => "the server answered the RTMP handshake with TLS: use rtmps://",
        [(byte)'H', (byte)'T', (byte)'T', (byte)'P', ..] => "the server answered the RTMP handshake with HTTP: not an RTMP port",
        _ => null,
    };

    private static string Described(RtmpClientException exception, RestreamTarget target)
    {
        var description = exception.Description;
        if (string.IsNullOrWhiteSpace(description))
        {
            return "";
        }
        description = Scrub(description, target.Key);
        var query = target.Key.IndexOf('?');
        if (query > 0)
        {
            description = Scrub(description, target.Key[..query]);
        }
        return $" ({PeerText.Sanitize(description, MaxDescription)})";
    }

    private static string Scrub(string text, string secret) =>
        secret.Length == 0 ? text : text.Replace(secret, "[key]", StringComparison.Ordinal);
}
