namespace StreamHub.Restream;

/// <summary>What the API and the dashboard ask of the pusher.</summary>
public interface IRestreamControl
{
    /// <summary>A stream's targets changed (added, changed, enabled, disabled, deleted): while it is live, the pusher
    /// reads them again and starts, restarts or stops pushes to match. Returns at once.</summary>
    void TargetsChanged(string streamName);

    /// <summary>The state of each target of a stream that has been pushed since the process started (empty when
    /// none); targets the pusher has not seen are reported by the API as idle.</summary>
    IReadOnlyList<TargetStatus> StatusOf(string streamName);
}
