namespace StreamHub.Hosting;

public enum ListenerState
{
    Pending,
    Bound,
    Failed,
}
