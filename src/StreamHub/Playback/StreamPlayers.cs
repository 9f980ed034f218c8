namespace StreamHub.Playback;

/// <summary>The players of one stream name: the sessions connected now and what every session since the entry began
/// was sent and dropped. Joins and leaves take the entry's lock (they are rare next to frames). A connected player's
/// bytes are its own count, summed here when read: a count of the stream's that every player added to after each
/// write was one line that all the cores sending to its players took from each other.</summary>
internal sealed class StreamPlayers
{
    private readonly HashSet<PlayerSession> _sessions = [];
    private readonly Lock _gate = new();
    private int _rtmp;
    private int _httpFlv;
    private long _rtmpBytesByLeft;
    private long _httpFlvBytesByLeft;
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
                if (session.Protocol == PlaybackProtocol.Rtmp)
                {
                    _rtmp--;
                    _rtmpBytesByLeft += session.BytesSent;
                }
                else
                {
                    _httpFlv--;
                    _httpFlvBytesByLeft += session.BytesSent;
                }
                _droppedByLeft += droppedFrames;
            }
            return _sessions.Count == 0;
        }
    }

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

    /// <summary>Counts now; the connected players' dropped frames and bytes are read from their sessions.</summary>
    public PlayerCounts Snapshot()
    {
        lock (_gate)
        {
            var dropped = _droppedByLeft;
            var rtmpBytes = _rtmpBytesByLeft;
            var httpFlvBytes = _httpFlvBytesByLeft;
            foreach (var session in _sessions)
            {
                dropped += session.Subscription.DroppedFrames;
                if (session.Protocol == PlaybackProtocol.Rtmp)
                {
                    rtmpBytes += session.BytesSent;
                }
                else
                {
                    httpFlvBytes += session.BytesSent;
                }
            }
            return new PlayerCounts(_rtmp, _httpFlv, rtmpBytes + httpFlvBytes, dropped) { RtmpBytesSent = rtmpBytes, HttpFlvBytesSent = httpFlvBytes };
        }
    }
}
