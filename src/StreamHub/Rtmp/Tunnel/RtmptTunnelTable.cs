using System.Collections.Concurrent;
using System.Net;
using Microsoft.Extensions.Options;
using StreamHub.Security;

namespace StreamHub.Rtmp.Tunnel;

/// <summary>The open RTMPT tunnels by client id. A tunnel that gets no request for a while is closed (a real client
/// polls several times a second), so abandoned tunnels cannot pile up.</summary>
public sealed partial class RtmptTunnelTable : IDisposable
{
    public const int MaxTunnels = 10_000;

    private readonly ConcurrentDictionary<string, RtmptTunnel> _tunnels = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;
    private readonly ILogger<RtmptTunnelTable> _logger;
    private readonly TimeSpan _idle;
    private readonly ITimer _sweeper;

    public RtmptTunnelTable(IOptions<RtmpOptions> options, TimeProvider time, ILogger<RtmptTunnelTable> logger)
    {
        _time = time;
        _logger = logger;
        _idle = TimeSpan.FromSeconds(Math.Max(options.Value.IdleTimeoutSeconds, 5));
        _sweeper = time.CreateTimer(_ => Sweep(), null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
    }

    public int Count => _tunnels.Count;

    public RtmptTunnel? Open(IPEndPoint? remote)
    {
        if (_tunnels.Count >= MaxTunnels)
        {
            return null;
        }
        var tunnel = new RtmptTunnel(Secrets.NewToken(12), remote, _time);
        _tunnels[tunnel.Id] = tunnel;
        return tunnel;
    }

    public RtmptTunnel? Find(string id) => _tunnels.GetValueOrDefault(id);

    public async Task CloseAsync(RtmptTunnel tunnel)
    {
        if (_tunnels.TryRemove(new KeyValuePair<string, RtmptTunnel>(tunnel.Id, tunnel)))
        {
            await tunnel.DisposeAsync();
        }
    }

    private void Sweep()
    {
        foreach (var tunnel in _tunnels.Values)
        {
            if (tunnel.Idle > _idle || (tunnel.SessionEnded && tunnel.Idle > TimeSpan.FromSeconds(2)))
            {
                if (!tunnel.SessionEnded)
                {
                    LogAbandoned(_logger, tunnel.Id, tunnel.Remote?.ToString() ?? "unknown", (int)_idle.TotalSeconds);
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

    [LoggerMessage(Level = LogLevel.Information, Message = "RTMPT tunnel {TunnelId} from {RemoteAddress} closed: no request for {Seconds} s")]
    private static partial void LogAbandoned(ILogger logger, string tunnelId, string remoteAddress, int seconds);
}
