using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using StreamHub.Diagnostics.Metrics;

namespace StreamHub.Live;

/// <summary>The streams live now, by public name. One publisher per name: a second publish of a live stream is
/// refused while the first carries on.</summary>
public sealed class LiveStreamRegistry(IEnumerable<IMediaSink> sinks, TimeProvider time, StreamHubMetrics? metrics = null,
    ILogger<LiveStream>? logger = null, IOptions<LiveOptions>? liveOptions = null)
{
    private readonly IMediaSink[] _sinks = sinks.ToArray();
    private readonly ConcurrentDictionary<string, LiveStream> _live = new(StringComparer.Ordinal);
    private long _endedBytes;
    private long _publishes;

    public IReadOnlyCollection<LiveStream> All => (IReadOnlyCollection<LiveStream>)_live.Values;

    public LiveStream? Find(string name) => _live.GetValueOrDefault(name);

    /// <summary>Media bytes received from publishers since the process started.</summary>
    public long TotalBytesReceived => Interlocked.Read(ref _endedBytes) + _live.Values.Sum(s => s.BytesReceived);

    /// <summary>Publishes accepted since the process started.</summary>
    public long TotalPublishes => Interlocked.Read(ref _publishes);

    /// <summary>Claims <paramref name="name"/> for a publisher; false when it is already live.</summary>
    public bool TryBeginPublish(string name, PublisherInfo publisher, out LiveStream stream)
    {
        var candidate = new LiveStream(name, publisher, time.GetUtcNow(), _sinks, time, metrics, logger, liveOptions?.Value);
        if (!_live.TryAdd(name, candidate))
        {
            stream = null!;
            return false;
        }
        stream = candidate;
        Interlocked.Increment(ref _publishes);
        candidate.Start();
        return true;
    }

    /// <summary>Ends a publish (unpublish, deleteStream, or the connection closing). Idempotent.</summary>
    public void EndPublish(LiveStream stream)
    {
        if (_live.TryRemove(new KeyValuePair<string, LiveStream>(stream.Name, stream)))
        {
            stream.End();
            Interlocked.Add(ref _endedBytes, stream.BytesReceived);
        }
    }
}
