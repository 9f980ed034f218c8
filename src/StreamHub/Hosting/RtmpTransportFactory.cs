using System.Net;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.Options;
using StreamHub.Rtmp;

namespace StreamHub.Hosting;

/// <summary>The socket transport of the plain RTMP port, separate from the web ports' so it can run each connection's
/// receive, chunk parsing and packaging on the thread that completed the read (Kestrel's
/// <see cref="SocketTransportOptions.UnsafePreferInlineScheduling"/>). By default Kestrel hands every read of every
/// connection from the socket thread to a transport queue and then to the thread pool before the application sees
/// it: for hundreds of publishers each sending many small writes a second, those hand-offs (thread wake-ups, queue
/// locks) cost about as much as the media work itself (the load test's figures are in benchmarks/README.md). The RTMP
/// path is safe to run inline: it never blocks (packaging is in-memory and bounded; the one database read, the
/// stream-key lookup of a publish, is a single indexed SQLite read, and stays here on purpose: moved to the thread
/// pool, a crowd of encoders reconnecting at once starved it, and the first to publish reached the idle timeout before
/// the last had been answered). The web ports keep the default scheduling, since request handlers may block. Off with
/// <c>StreamHub:Rtmp:InlineScheduling=false</c>.</summary>
public sealed partial class RtmpTransportFactory : IConnectionListenerFactory, IConnectionListenerFactorySelector
{
    /// <summary>Bytes queued for sending per connection before a flush waits for the peer.</summary>
    public const int MaxQueuedOutputBytes = 64 * 1024;

    private readonly SocketTransportFactory _sockets;
    private readonly int _port;

    public RtmpTransportFactory(IOptions<RtmpOptions> rtmp, ILoggerFactory loggers)
    {
        _port = rtmp.Value.InlineScheduling ? rtmp.Value.Port : 0;
        var options = new SocketTransportOptions
        {
            UnsafePreferInlineScheduling = true,
            // One receive per readiness event (a zero-byte read first would double the receive calls).
            WaitForDataBeforeAllocatingBuffer = false,
            // What a connection may have queued for sending before the session's flush waits (and the write timeout,
            // StreamHub:Rtmp:WriteTimeoutSeconds, starts counting): a publisher is sent only small control messages,
            // so a peer that stops reading holds at most this much here, besides the kernel's socket buffer.
            MaxWriteBufferSize = MaxQueuedOutputBytes,
        };
        LargeReceiveBuffers = UseLargeReceiveBuffers(options, Pool);
        ChooseSends(rtmp.Value, loggers.CreateLogger("StreamHub.Hosting.Sends"));
        _sockets = new SocketTransportFactory(Options.Create(options), loggers);
    }

    /// <summary>True when the RTMP port's connections use <see cref="Pool"/> (a publisher's media is received into its
    /// 64 KiB buffers).</summary>
    public bool LargeReceiveBuffers { get; }

    /// <summary>The memory of the RTMP port's connections.</summary>
    public RtmpReceiveBufferPool Pool { get; } = new();

    /// <summary>Whether players' sends go through io_uring (<see cref="SendRing"/>), said once at start-up: a server
    /// that cannot use it works as before, and the operator sees why it is slower than it could be.</summary>
    private static void ChooseSends(RtmpOptions rtmp, ILogger logger)
    {
        SendRing.Enabled = rtmp.BatchedSends && rtmp.SocketOutput;
        if (!SendRing.Enabled || !OperatingSystem.IsLinux())
        {
            return;
        }
        if (SendRing.TryCreate() is { } ring)
        {
            ring.Dispose();
            LogBatchedSends(logger);
        }
        else
        {
            LogDirectSends(logger, SendRing.Unavailability ?? "unknown");
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "RTMP players' sends: batched, one io_uring submission per frame and stream")]
    private static partial void LogBatchedSends(ILogger logger);

    [LoggerMessage(Level = LogLevel.Information, Message = "RTMP players' sends: one sendmsg call per player and frame, as io_uring is unavailable here ({Reason}); each player costs a little more CPU")]
    private static partial void LogDirectSends(ILogger logger, string reason);

    public bool CanBind(EndPoint endpoint) => _port != 0 && endpoint is IPEndPoint ip && ip.Port == _port;

    public ValueTask<IConnectionListener> BindAsync(EndPoint endpoint, CancellationToken cancellationToken = default) =>
        _sockets.BindAsync(endpoint, cancellationToken);

    /// <summary>Kestrel 10 takes a transport's memory pool from <c>SocketTransportOptions.MemoryPoolFactory</c>, which
    /// is not public; it is set by reflection. Should a later Kestrel rename it, the RTMP port keeps Kestrel's 4 KiB
    /// blocks (correct, only slower) and a test fails to say so.</summary>
    private static bool UseLargeReceiveBuffers(SocketTransportOptions options, RtmpReceiveBufferPool pool)
    {
        var property = typeof(SocketTransportOptions).GetProperty("MemoryPoolFactory",
            System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.NonPublic);
        if (property is null || !property.CanWrite || !property.PropertyType.IsAssignableFrom(typeof(RtmpReceiveBufferPool)))
        {
            return false;
        }
        property.SetValue(options, pool);
        return true;
    }
}
