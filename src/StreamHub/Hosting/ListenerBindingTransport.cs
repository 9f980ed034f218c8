using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;

namespace StreamHub.Hosting;

/// <summary>Wraps each transport Kestrel binds with, so that a port that cannot be bound is reported with the listener
/// whose endpoint it is. Kestrel's own error carries the endpoint only in its message text, where port 80 would also
/// match 8080. Binds in the order Kestrel asks, which is the order of <see cref="ListenerTable"/>.</summary>
public sealed class ListenerBindingTransport(IConnectionListenerFactory inner, ListenerTable table)
    : IConnectionListenerFactory, IConnectionListenerFactorySelector
{
    /// <summary>The transport wrapped.</summary>
    public IConnectionListenerFactory Inner => inner;

    public bool CanBind(EndPoint endpoint) => inner is not IConnectionListenerFactorySelector selector || selector.CanBind(endpoint);

    public async ValueTask<IConnectionListener> BindAsync(EndPoint endpoint, CancellationToken cancellationToken = default)
    {
        var listener = table.Find(endpoint);
        try
        {
            var bound = await inner.BindAsync(endpoint, cancellationToken);
            listener?.MarkBound();
            return bound;
        }
        catch (Exception ex) when (listener is not null && ListenerTable.SocketErrorOf(ex) is { } socketError)
        {
            var reason = ListenerTable.Explain(socketError);
            listener.MarkFailed(reason);
            throw new ListenerBindException(listener, reason, ex);
        }
    }
}
