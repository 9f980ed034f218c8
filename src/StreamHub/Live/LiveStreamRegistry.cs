using System.Collections.Concurrent;
using StreamHub.Diagnostics.Metrics;

namespace StreamHub.Live;

/// <summary>The streams live now, by public name. One publisher per name: a second publish of a live stream is
/// refused while the first carries on.</summary>
public sealed class LiveStreamRegistry(IEnumerable<IMediaSink> sinks, TimeProvider time, StreamHubMetrics? metrics = null)
{
    private readonly IMediaSink[] _sinks = sinks.ToArray();
    private readonly ConcurrentDictionary<string, LiveStream> _live = new(StringComparer.Ordinal);

    public IReadOnlyCollection<LiveStream> All => (IReadOnlyCollection<LiveStream>)_live.Values;

    public LiveStream? Find(string name) => _live.GetValueOrDefault(name);

    /// <summary>Claims <paramref name="name"/> for a publisher; false when it is already live.</summary>
    public bool TryBeginPublish(string name, PublisherInfo publisher, out LiveStream stream)
    {
        var candidate = new LiveStream(name, publisher, time.GetUtcNow(), _sinks, time, metrics);
        if (!_live.TryAdd(name, candidate))
        {
            stream = null!;
            return false;
        }
        stream = candidate;
        candidate.Start();
        return true;
    }

    /// <summary>Ends a publish (unpublish, deleteStream, or the connection closing). Idempotent.</summary>
    public void EndPublish(LiveStream stream)
    {
        if (_live.TryRemove(new KeyValuePair<string, LiveStream>(stream.Name, stream)))
        {
            stream.End();
        }
    }
}
