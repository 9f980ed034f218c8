using System.IO.Pipelines;
using System.Net;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Options;
using StreamHub.Admission;
using StreamHub.Hosting;
using StreamHub.Live;
using StreamHub.Playback;
using StreamHub.Rtmp.Session;

namespace StreamHub.Rtmp;

/// <summary>The one way an RTMP session runs, whatever carries it (<see cref="RtmpScheme"/>): TCP connections from
/// <see cref="RtmpConnectionHandler"/>, tunnels from <see cref="Tunnel.RtmptEndpoints"/>. It creates the session, runs
/// it, disposes it, and writes its opened and closed lines. The one place <see cref="RtmpProtocolException"/> is caught:
/// one log line, then the transport's own abort (a TCP connection's); the same abort for a player removed for falling
/// behind.</summary>
public sealed partial class RtmpSessionHost(
    ILogger<RtmpSessionHost> logger,
    ILogger<RtmpSession> sessionLogger,
    IOptions<RtmpOptions> options,
    LiveStreamRegistry registry,
    StreamAdmission admission,
    RtmpHeartbeat heartbeat,
    PlayerRegistry players)
{
    /// <summary>Runs one session over <paramref name="transport"/> until it ends; never throws for what a peer or a
    /// dropped connection can cause.</summary>
    /// <param name="connectionId">What the log lines call the connection (never a credential: the tunnel passes its
    /// name, not its id).</param>
    /// <param name="hasUnreadInput">Whether bytes wait unread below the pipe (a socket); null when nothing can tell.</param>
    /// <param name="abort">Drops the transport without sending what is queued, given why: after a protocol violation's
    /// log line, or when a player was removed for falling behind. Null when ending the session is all a transport can
    /// do (a tunnel: it answers what the session wrote, then its next request is a 404).</param>
    /// <param name="closed">Fires when the transport is gone.</param>
    public async Task RunAsync(RtmpScheme scheme, IDuplexPipe transport, string connectionId, EndPoint? remote,
        Func<bool>? hasUnreadInput, Action<string>? abort, CancellationToken closed, RtmpReceiveBufferPool? receivePool = null)
    {
        var remoteText = remote?.ToString() ?? "unknown";
        var schemeText = Text(scheme);
        LogOpened(logger, connectionId, remoteText, schemeText);
        var session = new RtmpSession(transport, connectionId, remoteText, options.Value, registry, admission, sessionLogger,
            (remote as IPEndPoint)?.Address, hasUnreadInput, heartbeat, players, schemeText, receivePool);
        try
        {
            await session.RunAsync(closed);
            if (session.AbortRequested)
            {
                abort?.Invoke("RTMP player removed: it fell behind");
            }
        }
        catch (RtmpProtocolException ex)
        {
            RtmpLog.ProtocolViolation(logger, connectionId, remoteText, ex.Error, ex.Message);
            abort?.Invoke($"RTMP {ex.Error}");
        }
        catch (Exception ex) when (IsTransportGone(ex))
        {
            // The peer left, the connection was closed or aborted, or the tunnel's pipes were completed under the session.
        }
        finally
        {
            await session.DisposeAsync();
            LogClosed(logger, connectionId, remoteText, schemeText);
        }
    }

    /// <summary>How a transport going away surfaces in a pipe read or flush: cancellation (the close token), a reset or
    /// abort (Kestrel), an I/O error (TLS), or a pipe completed by its other end (a closed tunnel).</summary>
    private static bool IsTransportGone(Exception exception) =>
        exception is OperationCanceledException or ConnectionResetException or ConnectionAbortedException or IOException or InvalidOperationException;

    private static string Text(RtmpScheme scheme) => scheme switch
    {
        RtmpScheme.Rtmps => "rtmps",
        RtmpScheme.Rtmpt => "rtmpt",
        RtmpScheme.Rtmpts => "rtmpts",
        _ => "rtmp",
    };

    [LoggerMessage(Level = LogLevel.Information, Message = "RTMP connection {ConnectionId} opened from {RemoteAddress} ({Scheme})")]
    private static partial void LogOpened(ILogger logger, string connectionId, string remoteAddress, string scheme);

    [LoggerMessage(Level = LogLevel.Information, Message = "RTMP connection {ConnectionId} from {RemoteAddress} closed ({Scheme})")]
    private static partial void LogClosed(ILogger logger, string connectionId, string remoteAddress, string scheme);
}
