using System.Buffers;
using Microsoft.AspNetCore.Connections;
using StreamHub.Rtmp;
using StreamHub.Security;

namespace StreamHub.Hosting;

/// <summary>Connection middleware for the web ports: a connection whose first byte is an RTMP C0 (0x03 RTMP, 0x06
/// RTMPE, and 0x08/0x09, the RTMPE variants the handler refuses with a log line) goes to the RTMP handler, anything else
/// to HTTP (whose first byte is a letter, and TLS's 0x16). Before <c>UseHttps</c> it sees plain bytes (RTMP on port 80); after it, the
/// decrypted ones (RTMPS on port 443, with the HTTPS certificate). Every client of both protocols speaks first, so
/// peeking one byte costs nothing; a connection that says nothing within the handshake timeout is closed, and one
/// reset before its first byte is logged at Debug: scanners and clients that give up do that every day.</summary>
public static partial class RtmpSniffing
{
    public const byte RtmpVersion = 0x03;

    /// <summary>Whether <paramref name="first"/> opens an RTMP handshake (a C0) rather than HTTP or TLS.</summary>
    public static bool IsRtmpC0(byte first) => first is RtmpVersion or 0x06 or 0x08 or 0x09;

    public static Func<ConnectionDelegate, ConnectionDelegate> RouteRtmpByFirstByte(RtmpConnectionHandler rtmp, TimeSpan silenceTimeout, ILogger logger,
        ConnectionGate gate, string listener) =>
        next => async connection =>
        {
            var input = connection.Transport.Input;
            bool isRtmp;
            using (var silence = CancellationTokenSource.CreateLinkedTokenSource(connection.ConnectionClosed))
            {
                silence.CancelAfter(silenceTimeout);
                try
                {
                    var result = await input.ReadAsync(silence.Token);
                    if (result.Buffer.IsEmpty)
                    {
                        input.AdvanceTo(result.Buffer.Start);
                        return;
                    }
                    isRtmp = new SequenceReader<byte>(result.Buffer).TryPeek(out var first) && IsRtmpC0(first);
                    input.AdvanceTo(result.Buffer.Start); // nothing consumed: the chosen protocol reads from byte 0
                }
                catch (OperationCanceledException)
                {
                    connection.Abort(new ConnectionAbortedException("Nothing received before the handshake timeout."));
                    return;
                }
                catch (Exception ex) when (ex is ConnectionResetException or ConnectionAbortedException or IOException)
                {
                    LogResetBeforeFirstByte(logger, connection.ConnectionId, connection.RemoteEndPoint?.ToString() ?? "unknown", ex.Message);
                    return;
                }
            }
            if (isRtmp)
            {
                // From here on it counts as the RTMP connection it is, against the address's RTMP limit.
                if (!gate.TryReclassify(connection, ConnectionKind.Rtmp, listener))
                {
                    connection.Abort(new ConnectionAbortedException("Per-address RTMP connection limit reached."));
                    return;
                }
                await rtmp.OnConnectedAsync(connection);
            }
            else
            {
                await next(connection);
            }
        };

    [LoggerMessage(Level = LogLevel.Debug, Message = "Connection {ConnectionId} from {RemoteAddress} on a web port ended before its first byte: {Reason}")]
    private static partial void LogResetBeforeFirstByte(ILogger logger, string connectionId, string remoteAddress, string reason);
}
