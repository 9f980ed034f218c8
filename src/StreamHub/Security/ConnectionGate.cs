using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Options;

namespace StreamHub.Security;

/// <summary>Counts open connections, in total and per address group (<see cref="AddressGroup"/>) and kind
/// (<see cref="ConnectionKind"/>), and refuses the ones over the limits before any protocol runs. Shared by every
/// listener and by the RTMPT tunnels. Each kind has its own per-address limit, so publishers do not use up the HTTP
/// connections of the viewers behind the same address, nor tunnels the connections that carry them.</summary>
public sealed partial class ConnectionGate(IOptions<LimitsOptions> options, ILogger<ConnectionGate> logger, TimeProvider time)
{
    private static readonly TimeSpan WarningInterval = TimeSpan.FromSeconds(10);
    private const int MaxWarningsTracked = 10_000;

    private readonly ConcurrentDictionary<(IPAddress Group, ConnectionKind Kind), int> _perAddress = new();
    private readonly ConcurrentDictionary<IPAddress, long> _lastWarning = new();
    private int _total;

    public int Total => Volatile.Read(ref _total);

    public int OpenFrom(IPAddress address, ConnectionKind kind) => _perAddress.GetValueOrDefault((AddressGroup.Of(address), kind));

    public Func<ConnectionDelegate, ConnectionDelegate> Middleware(string listener, ConnectionKind kind) => next => async connection =>
    {
        var remote = (connection.RemoteEndPoint as IPEndPoint)?.Address ?? IPAddress.None;
        var limits = options.Value;
        var total = Interlocked.Increment(ref _total);
        try
        {
            if (total > limits.MaxConnections)
            {
                Warn(IPAddress.None, () => LogTotalLimit(logger, listener, remote, limits.MaxConnections));
                connection.Abort(new ConnectionAbortedException("Connection limit reached."));
                return;
            }
            var group = AddressGroup.Of(remote);
            if (!TryEnter(group, kind, listener, remote))
            {
                connection.Abort(new ConnectionAbortedException("Per-address connection limit reached."));
                return;
            }
            var ticket = new GateTicket(group, kind);
            connection.Features.Set(ticket);
            try
            {
                await next(connection);
            }
            finally
            {
                Leave(ticket.Group, ticket.Kind);
            }
        }
        finally
        {
            Interlocked.Decrement(ref _total);
        }
    };

    /// <summary>Moves a connection that came through <see cref="Middleware"/> to another kind's count (a web-port
    /// connection found to be RTMP); false, and the connection keeps its count, when the address has no room there.</summary>
    public bool TryReclassify(ConnectionContext connection, ConnectionKind kind, string listener)
    {
        if (connection.Features.Get<GateTicket>() is not { } ticket || ticket.Kind == kind)
        {
            return true;
        }
        if (!TryEnter(ticket.Group, kind, listener, (connection.RemoteEndPoint as IPEndPoint)?.Address ?? ticket.Group))
        {
            return false;
        }
        Leave(ticket.Group, ticket.Kind);
        ticket.Kind = kind;
        return true;
    }

    /// <summary>Takes one place of <paramref name="kind"/> for <paramref name="remote"/>'s group; false (with a warning
    /// at most every 10 s per group) when the group already holds its limit. Every true is paired with one
    /// <see cref="Leave"/> of the same group (<see cref="AddressGroup.Of"/>).</summary>
    public bool TryEnter(IPAddress remote, ConnectionKind kind, string listener) => TryEnter(AddressGroup.Of(remote), kind, listener, remote);

    public void Leave(IPAddress group, ConnectionKind kind)
    {
        if (_perAddress.AddOrUpdate((group, kind), 0, (_, n) => n - 1) <= 0)
        {
            _perAddress.TryRemove(new KeyValuePair<(IPAddress, ConnectionKind), int>((group, kind), 0));
        }
    }

    private bool TryEnter(IPAddress group, ConnectionKind kind, string listener, IPAddress remote)
    {
        var (limit, setting) = Limit(kind);
        if (_perAddress.AddOrUpdate((group, kind), 1, (_, n) => n + 1) <= limit)
        {
            return true;
        }
        Leave(group, kind);
        Warn(group, () => LogAddressLimit(logger, listener, remote, limit, KindName(kind), setting));
        return false;
    }

    private (int Limit, string Setting) Limit(ConnectionKind kind)
    {
        var limits = options.Value;
        return kind switch
        {
            ConnectionKind.Rtmp => (limits.MaxRtmpConnectionsPerAddress, "StreamHub:Limits:MaxRtmpConnectionsPerAddress"),
            ConnectionKind.Http => (limits.MaxHttpConnectionsPerAddress, "StreamHub:Limits:MaxHttpConnectionsPerAddress"),
            _ => (limits.MaxTunnelsPerAddress, "StreamHub:Limits:MaxTunnelsPerAddress"),
        };
    }

    private static string KindName(ConnectionKind kind) => kind switch
    {
        ConnectionKind.Rtmp => "an RTMP connection",
        ConnectionKind.Http => "an HTTP connection",
        _ => "an RTMPT tunnel",
    };

    /// <summary>One warning per address group per 10 s, so a flood does not become a flood of log lines.</summary>
    private void Warn(IPAddress group, Action log)
    {
        var now = time.GetTimestamp();
        var last = _lastWarning.GetOrAdd(group, 0);
        if (last == 0 || time.GetElapsedTime(last, now) > WarningInterval)
        {
            _lastWarning[group] = now;
            log();
        }
        if (_lastWarning.Count > MaxWarningsTracked)
        {
            _lastWarning.Clear();
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Listener}: refused a connection from {RemoteAddress}: {MaxConnections} connections are open in total (StreamHub:Limits:MaxConnections); further refusals within 10 s are not logged")]
    private static partial void LogTotalLimit(ILogger logger, string listener, IPAddress remoteAddress, int maxConnections);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Listener}: refused {Kind} from {RemoteAddress}: its address already has {Limit} open ({Setting}); further refusals from it within 10 s are not logged")]
    private static partial void LogAddressLimit(ILogger logger, string listener, IPAddress remoteAddress, int limit, string kind, string setting);
}
