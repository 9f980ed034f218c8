using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Options;

namespace StreamHub.Security;

/// <summary>Counts open connections, in total and per address, and refuses the ones over the limits before any
/// protocol runs. Shared by every listener.</summary>
public sealed partial class ConnectionGate(IOptions<LimitsOptions> options, ILogger<ConnectionGate> logger, TimeProvider time)
{
    private readonly ConcurrentDictionary<IPAddress, int> _perAddress = new();
    private readonly ConcurrentDictionary<IPAddress, long> _lastWarning = new();
    private int _total;

    public int Total => Volatile.Read(ref _total);

    public int OpenFrom(IPAddress address) => _perAddress.GetValueOrDefault(Normalize(address));

    public Func<ConnectionDelegate, ConnectionDelegate> Middleware(string listener) => next => async connection =>
    {
        var address = (connection.RemoteEndPoint as IPEndPoint)?.Address is { } remote ? Normalize(remote) : IPAddress.None;
        var limits = options.Value;
        var total = Interlocked.Increment(ref _total);
        var fromAddress = _perAddress.AddOrUpdate(address, 1, (_, n) => n + 1);
        try
        {
            if (total > limits.MaxConnections)
            {
                Warn(address, () => LogTotalLimit(logger, listener, address, limits.MaxConnections));
                connection.Abort(new ConnectionAbortedException("Connection limit reached."));
                return;
            }
            if (fromAddress > limits.MaxConnectionsPerAddress)
            {
                Warn(address, () => LogAddressLimit(logger, listener, address, limits.MaxConnectionsPerAddress));
                connection.Abort(new ConnectionAbortedException("Per-address connection limit reached."));
                return;
            }
            await next(connection);
        }
        finally
        {
            Interlocked.Decrement(ref _total);
            if (_perAddress.AddOrUpdate(address, 0, (_, n) => n - 1) <= 0)
            {
                _perAddress.TryRemove(new KeyValuePair<IPAddress, int>(address, 0));
            }
        }
    };

    /// <summary>One warning per address per 10 s, so a flood does not become a flood of log lines.</summary>
    private void Warn(IPAddress address, Action log)
    {
        var now = time.GetTimestamp();
        var last = _lastWarning.GetOrAdd(address, 0);
        if (last == 0 || time.GetElapsedTime(last, now) > TimeSpan.FromSeconds(10))
        {
            _lastWarning[address] = now;
            log();
        }
        if (_lastWarning.Count > 10_000)
        {
            _lastWarning.Clear();
        }
    }

    private static IPAddress Normalize(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Listener}: refused a connection from {RemoteAddress}: {MaxConnections} connections are open in total (StreamHub:Limits:MaxConnections)")]
    private static partial void LogTotalLimit(ILogger logger, string listener, IPAddress remoteAddress, int maxConnections);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Listener}: refused a connection from {RemoteAddress}: it already has {MaxConnections} open (StreamHub:Limits:MaxConnectionsPerAddress)")]
    private static partial void LogAddressLimit(ILogger logger, string listener, IPAddress remoteAddress, int maxConnections);
}
