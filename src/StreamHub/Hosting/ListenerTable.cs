using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;

namespace StreamHub.Hosting;

/// <summary>Every listener this process was configured with. Read by readiness, diagnostics and the bind-failure
/// message at start-up.</summary>
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

    private static string Explain(SocketException ex) => ex.SocketErrorCode switch
    {
        SocketError.AddressAlreadyInUse => "the port is already in use by another process",
        SocketError.AccessDenied => "permission denied (ports below 1024 need root or the CAP_NET_BIND_SERVICE capability)",
        SocketError.AddressNotAvailable => "the address is not on this machine (see StreamHub:BindAddress)",
        _ => ex.Message,
    };

    /// <summary>Turns Kestrel's bind exception into the listener it concerns and a reason a person can act on.</summary>
    public (Listener? Listener, string Reason) ExplainBindFailure(IOException exception)
    {
        var listener = _listeners.FirstOrDefault(l => exception.Message.Contains($":{l.Port}", StringComparison.Ordinal));
        var socketError = exception.InnerException as SocketException
            ?? exception.InnerException?.InnerException as SocketException;
        var reason = exception.InnerException switch
        {
            AddressInUseException => "the port is already in use by another process",
            _ when socketError?.SocketErrorCode == SocketError.AccessDenied =>
                "permission denied (ports below 1024 need root or the CAP_NET_BIND_SERVICE capability)",
            _ when socketError?.SocketErrorCode == SocketError.AddressNotAvailable =>
                "the address is not on this machine (see StreamHub:BindAddress)",
            _ => socketError?.Message ?? exception.InnerException?.Message ?? exception.Message,
        };
        listener?.MarkFailed(reason);
        return (listener, reason);
    }
}
