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

    /// <summary>A publish was accepted and its sinks started: raised once per publish on the publisher's connection
    /// (at publish, not per frame). Handlers must return at once (start their work on their own task) and not throw;
    /// one that throws is logged and the others still run.</summary>
    public event Action<LiveStream>? StreamStarted;

    /// <summary>A publish ended (its subscriptions are already completed): raised once per publish, under the same
    /// rules as <see cref="StreamStarted"/>.</summary>
    public event Action<LiveStream>? StreamEnded;

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
        Raise(StreamStarted, candidate, "start");
        return true;
    }

    /// <summary>Ends a publish (unpublish, deleteStream, or the connection closing). Idempotent.</summary>
    public void EndPublish(LiveStream stream)
    {
        if (_live.TryRemove(new KeyValuePair<string, LiveStream>(stream.Name, stream)))
        {
            stream.End();
            Interlocked.Add(ref _endedBytes, stream.BytesReceived);
            Raise(StreamEnded, stream, "end");
        }
    }

    private void Raise(Action<LiveStream>? handlers, LiveStream stream, string phase)
    {
        if (handlers is null)
        {
            return;
        }
        foreach (var handler in handlers.GetInvocationList())
        {
            try
            {
                ((Action<LiveStream>)handler)(stream);
            }
            catch (Exception ex)
            {
                if (logger is not null)
                {
                    LiveLog.ObserverFailed(logger, ex, handler.Method.DeclaringType?.Name ?? "?", stream.Name, phase);
                }
            }
        }
    }
}
