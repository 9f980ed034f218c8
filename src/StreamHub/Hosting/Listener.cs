namespace StreamHub.Hosting;

/// <summary>One configured listening socket, what it serves, whether it is bound, and how many connections it has.</summary>
public sealed class Listener(string name, string setting, string address, int port, string[] protocols)
{
    private int _connections;

    /// <summary>Short name an operator knows: RTMP, HTTP, HTTPS.</summary>
    public string Name { get; } = name;

    /// <summary>The setting that chooses this listener's port.</summary>
    public string Setting { get; } = setting;

    public string Address { get; } = address;
    public int Port { get; } = port;
    public IReadOnlyList<string> Protocols { get; } = protocols;

    public ListenerState State { get; private set; } = ListenerState.Pending;
    public string? Error { get; private set; }
    public int Connections => Volatile.Read(ref _connections);

    public void MarkBound() => State = ListenerState.Bound;

    public void MarkFailed(string error)
    {
        State = ListenerState.Failed;
        Error = error;
    }

    public void ConnectionOpened() => Interlocked.Increment(ref _connections);
    public void ConnectionClosed() => Interlocked.Decrement(ref _connections);
}
