using StreamHub.Live;

namespace StreamHub.Restream;

/// <summary>The pushes of one stream, by target id, with the publish they push (null while the stream is not live).
/// Changes to the set go through <see cref="Gate"/>, one reconciliation at a time.</summary>
public sealed class StreamTargets(string streamName)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<long, TargetPush> _pushes = [];
    private LiveStream? _live;
    private CancellationTokenSource? _liveStop;

    public string StreamName { get; } = streamName;

    /// <summary>Held while the targets are read and the pushes started or stopped to match.</summary>
    public SemaphoreSlim Gate { get; } = new(1, 1);

    /// <summary>The publish now, and a token that fires when it ends.</summary>
    public (LiveStream? Stream, CancellationToken Ended) Live
    {
        get
        {
            lock (_lock)
            {
                return (_live, _liveStop?.Token ?? new CancellationToken(true));
            }
        }
    }

    public void Began(LiveStream stream)
    {
        lock (_lock)
        {
            _liveStop?.Cancel();
            _liveStop?.Dispose();
            _live = stream;
            _liveStop = new CancellationTokenSource();
        }
    }

    /// <summary>The publish ended: every push of it stops (each unpublishes and shows Idle).</summary>
    public void Ended(LiveStream stream)
    {
        lock (_lock)
        {
            if (!ReferenceEquals(_live, stream))
            {
                return;
            }
            _live = null;
            _liveStop?.Cancel();
        }
    }

    public TargetPush? Find(long id)
    {
        lock (_lock)
        {
            return _pushes.GetValueOrDefault(id);
        }
    }

    public void Add(TargetPush push)
    {
        lock (_lock)
        {
            _pushes[push.Id] = push;
        }
    }

    public void Remove(TargetPush push)
    {
        lock (_lock)
        {
            _pushes.Remove(push.Id);
        }
    }

    public TargetPush[] Pushes()
    {
        lock (_lock)
        {
            return [.. _pushes.Values];
        }
    }
}
