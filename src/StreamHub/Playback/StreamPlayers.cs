namespace StreamHub.Playback;

/// <summary>The players of one stream name: the sessions connected now and what every session since the entry began
/// was sent and dropped. Joins and leaves take the entry's lock (they are rare next to frames); bytes are added
/// without it, per batch a player writes.</summary>
internal sealed class StreamPlayers
{
    private readonly HashSet<PlayerSession> _sessions = [];
    private readonly Lock _gate = new();
    private int _rtmp;
    private int _httpFlv;
    private long _rtmpBytes;
    private long _httpFlvBytes;
    private long _droppedByLeft;
    private bool _forgotten;

    /// <summary>Adds a player; false once the entry has been forgotten (the caller takes a fresh entry).</summary>
    public bool TryJoin(PlayerSession session)
    {
        lock (_gate)
        {
            if (_forgotten)
            {
                return false;
            }
            _sessions.Add(session);
            _ = session.Protocol == PlaybackProtocol.Rtmp ? _rtmp++ : _httpFlv++;
            return true;
        }
    }

    /// <summary>Moves the player's dropped frames from the connected sum to the left total in one step, so a read
    /// never counts them twice or not at all. True when no player is left.</summary>
    public bool Leave(PlayerSession session, long droppedFrames)
    {
        lock (_gate)
        {
            if (_sessions.Remove(session))
            {
                _ = session.Protocol == PlaybackProtocol.Rtmp ? _rtmp-- : _httpFlv--;
                _droppedByLeft += droppedFrames;
            }
            return _sessions.Count == 0;
        }
    }

    public void AddBytes(PlaybackProtocol protocol, long bytes) =>
        Interlocked.Add(ref protocol == PlaybackProtocol.Rtmp ? ref _rtmpBytes : ref _httpFlvBytes, bytes);

    /// <summary>Marks the entry forgotten when no player is connected; after this no player joins it.</summary>
    public bool TryForget()
    {
        lock (_gate)
        {
            if (_sessions.Count > 0)
            {
                return false;
            }
            _forgotten = true;
            return true;
        }
    }

    /// <summary>Counts now; the connected players' dropped frames are read from their subscriptions.</summary>
    public PlayerCounts Snapshot()
    {
        lock (_gate)
        {
            var dropped = _droppedByLeft;
            foreach (var session in _sessions)
            {
                dropped += session.Subscription.DroppedFrames;
            }
            var rtmpBytes = Interlocked.Read(ref _rtmpBytes);
            var httpFlvBytes = Interlocked.Read(ref _httpFlvBytes);
            return new PlayerCounts(_rtmp, _httpFlv, rtmpBytes + httpFlvBytes, dropped) { RtmpBytesSent = rtmpBytes, HttpFlvBytesSent = httpFlvBytes };
        }
    }
}
