using System.Collections.Concurrent;
using System.Net;
using Microsoft.Extensions.Options;
using StreamHub.Security;

namespace StreamHub.Rtmp.Tunnel;

/// <summary>The open RTMPT tunnels by session id. The id is the tunnel's credential in every request, so it is 128
/// random bits, answered only to the client that opened it and never logged at Information; a request for it from
/// another address is treated as one for an unknown id. Tunnels count against StreamHub:Limits:MaxTunnels and, per
/// address, MaxTunnelsPerAddress (through the <see cref="ConnectionGate"/>). A tunnel that gets no request for a while
/// is closed (a real client polls several times a second), so abandoned tunnels cannot pile up.</summary>
public sealed partial class RtmptTunnelTable : IDisposable
{
    /// <summary>16 random bytes: 22 base64url characters, well inside the 64 bytes ffmpeg keeps for the id.</summary>
    public const int IdBytes = 16;

    private readonly ConcurrentDictionary<string, RtmptTunnel> _tunnels = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;
    private readonly ILogger<RtmptTunnelTable> _logger;
    private readonly IOptions<LimitsOptions> _limits;
    private readonly ConnectionGate _gate;
    private readonly TimeSpan _idle;
    private readonly ITimer _sweeper;
    private long _lastFullWarning;
    private long _opened;

    public RtmptTunnelTable(IOptions<RtmpOptions> options, IOptions<LimitsOptions> limits, ConnectionGate gate, TimeProvider time,
        ILogger<RtmptTunnelTable> logger)
    {
        _time = time;
        _logger = logger;
        _limits = limits;
        _gate = gate;
        _idle = TimeSpan.FromSeconds(Math.Max(options.Value.IdleTimeoutSeconds, 5));
        _sweeper = time.CreateTimer(_ => Sweep(), null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
    }

    public int Count => _tunnels.Count;

    public TunnelRefusal TryOpen(IPEndPoint remote, out RtmptTunnel? tunnel)
    {
        tunnel = null;
        var max = _limits.Value.MaxTunnels;
        if (_tunnels.Count >= max)
        {
            var now = _time.GetTimestamp();
            var last = Interlocked.Read(ref _lastFullWarning);
            if ((last == 0 || _time.GetElapsedTime(last, now) > TimeSpan.FromSeconds(10)) && Interlocked.CompareExchange(ref _lastFullWarning, now, last) == last)
            {
                LogFull(_logger, remote.Address, max);
            }
            return TunnelRefusal.ServerFull;
        }
        if (!_gate.TryEnter(remote.Address, ConnectionKind.Tunnel, "RTMPT"))
        {
            return TunnelRefusal.AddressFull;
        }
        tunnel = new RtmptTunnel(Secrets.NewToken(IdBytes), $"rtmpt-{Interlocked.Increment(ref _opened)}", remote, _time);
        _tunnels[tunnel.Id] = tunnel;
        return TunnelRefusal.None;
    }

    /// <summary>The tunnel <paramref name="id"/> if <paramref name="client"/> is the address that opened it; null
    /// otherwise, exactly as for an id that does not exist.</summary>
    public RtmptTunnel? Find(string id, IPAddress? client) =>
        _tunnels.TryGetValue(id, out var tunnel) && client is not null && Same(tunnel.Remote.Address, client) ? tunnel : null;

    public async Task CloseAsync(RtmptTunnel tunnel)
    {
        if (_tunnels.TryRemove(new KeyValuePair<string, RtmptTunnel>(tunnel.Id, tunnel)))
        {
            _gate.Leave(AddressGroup.Of(tunnel.Remote.Address), ConnectionKind.Tunnel);
            await tunnel.DisposeAsync();
        }
    }

    private static bool Same(IPAddress a, IPAddress b) =>
        (a.IsIPv4MappedToIPv6 ? a.MapToIPv4() : a).Equals(b.IsIPv4MappedToIPv6 ? b.MapToIPv4() : b);

    private void Sweep()
    {
        foreach (var tunnel in _tunnels.Values)
        {
            if (tunnel.Idle > _idle || (tunnel.SessionEnded && tunnel.Idle > TimeSpan.FromSeconds(2)))
            {
                if (!tunnel.SessionEnded)
                {
                    LogAbandoned(_logger, tunnel.Name, tunnel.Remote.ToString(), (int)_idle.TotalSeconds);
                }
                _ = CloseAsync(tunnel);
            }
        }
    }

    public void Dispose()
    {
        _sweeper.Dispose();
        foreach (var tunnel in _tunnels.Values)
        {
            _ = CloseAsync(tunnel);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "RTMPT tunnel {ConnectionId} from {RemoteAddress} closed: no request for {Seconds} s")]
    private static partial void LogAbandoned(ILogger logger, string connectionId, string remoteAddress, int seconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "RTMPT: refused a tunnel from {RemoteAddress}: {MaxTunnels} are open (StreamHub:Limits:MaxTunnels); further refusals within 10 s are not logged")]
    private static partial void LogFull(ILogger logger, IPAddress remoteAddress, int maxTunnels);
}
