using Microsoft.AspNetCore.Connections;

namespace StreamHub.Rtmp;

/// <summary>Serves RTMP on the connections Kestrel hands it. Stateless: each connection's state lives in its session.</summary>
public sealed partial class RtmpConnectionHandler(ILogger<RtmpConnectionHandler> logger) : ConnectionHandler
{
    public override async Task OnConnectedAsync(ConnectionContext connection)
    {
        var remote = connection.RemoteEndPoint?.ToString() ?? "unknown";
        LogOpened(logger, connection.ConnectionId, remote);
        try
        {
            // Until the RTMP session lands: drain and close.
            while (true)
            {
                var result = await connection.Transport.Input.ReadAsync(connection.ConnectionClosed);
                connection.Transport.Input.AdvanceTo(result.Buffer.End);
                if (result.IsCompleted || result.IsCanceled)
                {
                    break;
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or ConnectionResetException or IOException)
        {
        }
        finally
        {
            LogClosed(logger, connection.ConnectionId, remote);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "RTMP connection {ConnectionId} opened from {RemoteAddress}")]
    private static partial void LogOpened(ILogger logger, string connectionId, string remoteAddress);

    [LoggerMessage(Level = LogLevel.Information, Message = "RTMP connection {ConnectionId} from {RemoteAddress} closed")]
    private static partial void LogClosed(ILogger logger, string connectionId, string remoteAddress);
}
