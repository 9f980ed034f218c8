using System.Net;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.Extensions.Options;
using StreamHub.Hosting;

namespace StreamHub.Rtmp;

/// <summary>Serves RTMP on the connections Kestrel hands it (the RTMP and RTMPS ports, and RTMP sniffed on the web
/// ports). Stateless: the session runs in <see cref="RtmpSessionHost"/>. A peer that broke the protocol, or a player
/// removed for falling behind, has its connection aborted rather than closed gracefully — a graceful close first sends
/// what is queued, and a peer that broke the protocol or stopped reading may never take it.
/// <para>Plain RTMP on the RTMP port writes straight to the socket (<see cref="RtmpSocketOutput"/>,
/// <see cref="RtmpOptions.SocketOutput"/>); TLS and the web ports' connections write through Kestrel's pipe, whose
/// middleware (TLS, sniffing) sits between the session and the socket.</para></summary>
public sealed class RtmpConnectionHandler(RtmpSessionHost host, IOptions<RtmpOptions> options) : ConnectionHandler
{
    public override async Task OnConnectedAsync(ConnectionContext connection)
    {
        // Bytes waiting in the socket when a read deadline passes mean the server is behind, not the peer silent.
        var socket = connection.Features.Get<IConnectionSocketFeature>()?.Socket;
        // Set by UseHttps, which runs before this handler on the RTMPS port and on the HTTPS port's sniffed RTMP.
        var scheme = connection.Features.Get<ITlsHandshakeFeature>() is null ? RtmpScheme.Rtmp : RtmpScheme.Rtmps;
        var transport = connection.Transport;
        var onRtmpPort = socket is not null && scheme == RtmpScheme.Rtmp
            && connection.LocalEndPoint is IPEndPoint { Port: var port } && port == options.Value.Port;
        RtmpSocketOutput? socketOutput = null;
        if (onRtmpPort && options.Value.SocketOutput)
        {
            socketOutput = new RtmpSocketOutput(socket!); // onRtmpPort holds only with a socket
            transport = new RtmpSocketTransport(transport.Input, socketOutput);
        }
        try
        {
            await host.RunAsync(scheme, transport, connection.ConnectionId, connection.RemoteEndPoint,
                socket is null ? null : () => HasUnreadBytes(socket),
                reason => connection.Abort(new ConnectionAbortedException(reason)),
                connection.ConnectionClosed,
                // Only the RTMP port's own transport (RtmpTransportFactory, bound when inline scheduling is on)
                // receives into RtmpReceiveBufferPool's buffers: the pool itself says which transport this is.
                receivePool: connection.Features.Get<IMemoryPoolFeature>()?.MemoryPool as RtmpReceiveBufferPool);
        }
        finally
        {
            // Frames and blocks still queued (a session that ended on a cancelled flush) go back to their pools.
            socketOutput?.Complete();
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
}
