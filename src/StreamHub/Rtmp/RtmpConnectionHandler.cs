using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.Extensions.Options;
using StreamHub.Live;
using StreamHub.Playback;
using StreamHub.Rtmp.Session;
using StreamHub.Security;
using StreamHub.StreamKeys;

namespace StreamHub.Rtmp;

/// <summary>Serves RTMP on the connections Kestrel hands it. Stateless: each connection's state lives in its
/// <see cref="RtmpSession"/>. The one place <see cref="RtmpProtocolException"/> is caught: one log line, then the
/// connection is aborted rather than closed gracefully — a graceful close first sends what is queued, and a peer that
/// broke the protocol or stopped reading may never take it.</summary>
public sealed partial class RtmpConnectionHandler(
    ILogger<RtmpConnectionHandler> logger,
    ILogger<RtmpSession> sessionLogger,
    IOptions<RtmpOptions> options,
    LiveStreamRegistry registry,
    IStreamKeyAuthorizer authorizer,
    PublishPolicy policy,
    RtmpHeartbeat heartbeat,
    PlayerRegistry players) : ConnectionHandler
{
    public override async Task OnConnectedAsync(ConnectionContext connection)
    {
        var remote = connection.RemoteEndPoint?.ToString() ?? "unknown";
        LogOpened(logger, connection.ConnectionId, remote);
        // Bytes waiting in the socket when a read deadline passes mean the server is behind, not the peer silent.
        var socket = connection.Features.Get<IConnectionSocketFeature>()?.Socket;
        var session = new RtmpSession(connection.Transport, connection.ConnectionId, remote, options.Value, registry, authorizer, sessionLogger,
            policy, (connection.RemoteEndPoint as System.Net.IPEndPoint)?.Address, socket is null ? null : () => HasUnreadBytes(socket), heartbeat,
            players, connection.Features.Get<Microsoft.AspNetCore.Connections.Features.ITlsHandshakeFeature>() is null ? "rtmp" : "rtmps");
        try
        {
            await session.RunAsync(connection.ConnectionClosed);
            if (session.AbortRequested)
            {
                connection.Abort(new ConnectionAbortedException("RTMP player removed: it fell behind"));
            }
        }
        catch (RtmpProtocolException ex)
        {
            RtmpLog.ProtocolViolation(logger, connection.ConnectionId, remote, ex.Error, ex.Message);
            connection.Abort(new ConnectionAbortedException($"RTMP {ex.Error}"));
        }
        catch (Exception ex) when (ex is OperationCanceledException or ConnectionResetException or IOException or ConnectionAbortedException)
        {
        }
        finally
        {
            await session.DisposeAsync();
            LogClosed(logger, connection.ConnectionId, remote);
        }
    }

    private static bool HasUnreadBytes(System.Net.Sockets.Socket socket)
    {
        try
        {
            return socket.Available > 0;
        }
        catch (Exception ex) when (ex is System.Net.Sockets.SocketException or ObjectDisposedException)
        {
            return false;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "RTMP connection {ConnectionId} opened from {RemoteAddress}")]
    private static partial void LogOpened(ILogger logger, string connectionId, string remoteAddress);

    [LoggerMessage(Level = LogLevel.Information, Message = "RTMP connection {ConnectionId} from {RemoteAddress} closed")]
    private static partial void LogClosed(ILogger logger, string connectionId, string remoteAddress);
}
