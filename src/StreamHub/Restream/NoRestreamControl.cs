namespace StreamHub.Restream;

/// <summary>The control used when no pusher is registered: target changes go nowhere and every target reads as not
/// reported (idle). Registered with TryAdd, so a pusher registered before or after replaces it.</summary>
public sealed class NoRestreamControl : IRestreamControl
{
    public void TargetsChanged(string streamName)
    {
    }

    public IReadOnlyList<TargetStatus> StatusOf(string streamName) => [];
}
