namespace StreamHub.Hosting;

/// <summary>A listener's port could not be bound when Kestrel started: carries the listener (found from the endpoint
/// being bound, not from the text of an error message) and a reason a person can act on.</summary>
public sealed class ListenerBindException(Listener listener, string reason, Exception innerException)
    : IOException($"Cannot listen on {listener.Address}:{listener.Port} for {listener.Name}: {reason}", innerException)
{
    public Listener Listener { get; } = listener;
    public string Reason { get; } = reason;
}
