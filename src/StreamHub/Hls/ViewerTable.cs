namespace StreamHub.Hls;

/// <summary>One stream's players: a 64-bit viewer hash and when it last fetched the playlist. Holds at most
/// <c>capacity</c> entries of fixed size, whatever the clients send; a full table forgets the players that left before
/// it takes a new one, and a viewer that finds it full of live players is not counted.</summary>
internal sealed class ViewerTable(int capacity)
{
    private readonly Dictionary<ulong, long> _lastSeen = [];
    private readonly Lock _lock = new();
    private long _lastPrune;

    /// <summary>Entries held, live or not yet pruned.</summary>
    public int Tracked
    {
        get
        {
            lock (_lock)
            {
                return _lastSeen.Count;
            }
        }
    }

    public void Seen(ulong viewer, TimeProvider time, TimeSpan window)
    {
        var now = time.GetTimestamp();
        lock (_lock)
        {
            // Pruning walks the whole table, so it runs at most once a window: a table kept full by live players
            // costs one walk per window, not one per request.
            if (time.GetElapsedTime(_lastPrune, now) > window)
            {
                PruneLocked(time, now, window);
            }
            if (_lastSeen.Count >= capacity && !_lastSeen.ContainsKey(viewer))
            {
                return;
            }
            _lastSeen[viewer] = now;
        }
    }

    /// <summary>Players seen within <paramref name="window"/>; forgets the others.</summary>
    public int Count(TimeProvider time, TimeSpan window)
    {
        var now = time.GetTimestamp();
        lock (_lock)
        {
            PruneLocked(time, now, window);
            return _lastSeen.Count;
        }
    }

    private void PruneLocked(TimeProvider time, long now, TimeSpan window)
    {
        _lastPrune = now;
        foreach (var (viewer, seen) in _lastSeen)
        {
            if (time.GetElapsedTime(seen, now) > window)
            {
                _lastSeen.Remove(viewer); // removing during enumeration is allowed for Dictionary since .NET Core 3.0
            }
        }
        // After a crowd (or a flood) has gone, give the entries' memory back rather than keep it for the next one.
        if (_lastSeen.Capacity > 64 && _lastSeen.Count < _lastSeen.Capacity / 4)
        {
            _lastSeen.TrimExcess();
        }
    }
}
