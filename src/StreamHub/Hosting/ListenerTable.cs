using System.Net;
using System.Net.Sockets;

namespace StreamHub.Hosting;

/// <summary>Every listener this process was configured with, in the order Kestrel binds them. Read by readiness,
/// diagnostics and the bind-failure message at start-up.</summary>
public sealed class ListenerTable
{
    private readonly List<Listener> _listeners = [];

    public IReadOnlyList<Listener> All => _listeners;

    public Listener Add(string name, string setting, string address, int port, params string[] protocols)
    {
        var listener = new Listener(name, setting, address, port, protocols);
        _listeners.Add(listener);
        return listener;
    }

    public bool AllBound => _listeners.All(l => l.State == ListenerState.Bound);

    public void MarkAllBound()
    {
        foreach (var listener in _listeners)
        {
            listener.MarkBound();
        }
    }

    /// <summary>Binds and releases each listener's address before Kestrel starts, so a port that cannot be had is
    /// reported with the listener and setting it belongs to (Kestrel's own error does not always say which port).</summary>
    public (Listener Listener, string Reason)? FindUnbindable()
    {
        foreach (var listener in _listeners)
        {
            var address = IPAddress.Parse(listener.Address);
            using var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            if (address.Equals(IPAddress.IPv6Any))
            {
                socket.DualMode = true;
            }
            try
            {
                socket.Bind(new IPEndPoint(address, listener.Port));
            }
            catch (SocketException ex)
            {
                var reason = Explain(ex);
                listener.MarkFailed(reason);
                return (listener, reason);
            }
        }
        return null;
    }

    /// <summary>The configured listener for <paramref name="endpoint"/>: the same address and port, and not bound yet
    /// (two listeners given the same port share an endpoint; the one that fails is the one not bound).</summary>
    public Listener? Find(EndPoint endpoint) => endpoint is IPEndPoint ip
        ? _listeners.FirstOrDefault(l => l.Port == ip.Port && l.State != ListenerState.Bound
            && IPAddress.TryParse(l.Address, out var address) && address.Equals(ip.Address))
        : null;

    /// <summary>The socket error behind a failed bind: the exception itself, or one it wraps (Kestrel's
    /// AddressInUseException wraps the SocketException).</summary>
    public static SocketException? SocketErrorOf(Exception exception)
    {
        for (Exception? current = exception; current is not null; current = current.InnerException)
        {
            if (current is SocketException socketError)
            {
                return socketError;
            }
        }
        return null;
    }

    /// <summary>What a person can do about a failed bind.</summary>
    public static string Explain(SocketException ex) => ex.SocketErrorCode switch
    {
        SocketError.AddressAlreadyInUse => "the port is already in use by another process",
        SocketError.AccessDenied => "permission denied (ports below 1024 need root or the CAP_NET_BIND_SERVICE capability)",
        SocketError.AddressNotAvailable => "the address is not on this machine (see StreamHub:BindAddress)",
        _ => ex.Message,
    };
}
