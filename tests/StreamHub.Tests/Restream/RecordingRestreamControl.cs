using System.Collections.Concurrent;
using StreamHub.Restream;

namespace StreamHub.Tests.Restream;

/// <summary>Stands in for the pusher: records which streams were told their targets changed, and reports the statuses
/// a test sets.</summary>
public sealed class RecordingRestreamControl : IRestreamControl
{
    private readonly ConcurrentQueue<string> _changed = new();
    private readonly ConcurrentDictionary<string, IReadOnlyList<TargetStatus>> _statuses = new();

    public IReadOnlyList<string> Changed => [.. _changed];

    public void Report(string streamName, params TargetStatus[] statuses) => _statuses[streamName] = statuses;

    public void TargetsChanged(string streamName) => _changed.Enqueue(streamName);

    public IReadOnlyList<TargetStatus> StatusOf(string streamName) => _statuses.TryGetValue(streamName, out var statuses) ? statuses : [];
}
