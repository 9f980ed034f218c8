namespace StreamHub.Rtmp.Session;

/// <summary>Timeouts, after Kestrel's <c>TimeoutControl</c>: the read loop only stores timestamps (last input, the
/// oldest message still partial, a flush waiting on the peer); the server's <see cref="RtmpHeartbeat"/> compares them
/// with its clock once a second, on its own thread, and times the session out by cancelling its pending read and flush.
/// One deadline check for handshake, idle, partial-message and write limits alike, and no timer per connection.</summary>
public sealed partial class RtmpSession
{
    private const long NotTiming = long.MaxValue;

    /// <summary>Bytes waiting in the socket count as "this server is behind" only while the session holds less than
    /// this unparsed. A publisher can announce chunks of up to MaxChunkSize and stop half way: the session then waits
    /// for the rest of the chunk, Kestrel stops receiving once its read buffer is full, and the socket keeps bytes
    /// that will never be read — that peer is stuck, not late.</summary>
    private const long MaxUnparsedWhileBehind = 64 * 1024;

    private readonly RtmpHeartbeat _heartbeat;
    private readonly TimeProvider _time;
    private readonly Func<bool>? _hasUnreadInput;
    private readonly long _handshakeTimeout;
    private readonly long _idleTimeout;
    private readonly long _partialTimeout;
    private readonly long _writeTimeout;

    private long _startedAt;

    // Written by the read loop, read by the heartbeat.
    private long _lastInput;
    private long _partialSince = NotTiming;
    private long _writeSince = NotTiming;
    private long _unparsed;

    // The read loop's own: since when input has sat unparsed without the loop consuming any of it.
    private long _stalledSince = NotTiming;

    // The heartbeat's own: when it last let a late connection off because the server, not the peer, was behind.
    private long _graceFrom = long.MinValue;

    // (int)RtmpError + 1 once timed out; 0 before.
    private int _timedOut;

    /// <summary>After each read: when the oldest partial input began — a message the chunk reader holds part of, or
    /// bytes left unparsed (a chunk not all here) with no progress since — for the partial-message deadline.</summary>
    private void TrackPartialInput(long now, bool consumed, long unparsed)
    {
        _stalledSince = unparsed == 0 ? NotTiming : consumed || _stalledSince == NotTiming ? now : _stalledSince;
        Volatile.Write(ref _unparsed, unparsed);
        Volatile.Write(ref _partialSince, Math.Min(_stalledSince, _chunks.OldestPartialMessageStart()));
    }

    /// <summary>After a flush that had to wait for the peer: the read deadlines count from now, since nothing was read
    /// while the session waited.</summary>
    private void WriteWaited()
    {
        var now = _time.GetTimestamp();
        Volatile.Write(ref _writeSince, NotTiming);
        Volatile.Write(ref _lastInput, now);
    }

    /// <summary>Called by the heartbeat, on its thread, once a second. A deadline that passes while bytes wait unread
    /// in the socket is not the peer's fault: the server is behind (CPU), the heartbeat's timer ran but this
    /// connection's socket thread has not read yet. Such a connection is kept, for one more full period, with a
    /// warning. Only the idle and partial-message deadlines get that grace: a handshake has its own short limit, and
    /// a write waits on the peer, never on this server.</summary>
    internal void OnHeartbeat(long now)
    {
        if (Volatile.Read(ref _timedOut) != 0)
        {
            return;
        }
        var writeSince = Volatile.Read(ref _writeSince);
        if (writeSince != NotTiming)
        {
            // The session waits for the peer to take its output, not for input: only the write deadline runs (bytes
            // piling up unread meanwhile are the peer's, and would pass for a server that is behind).
            if (now - writeSince >= _writeTimeout)
            {
                TimeOut(RtmpError.WriteTimeout);
            }
            return;
        }
        if (_state == RtmpSessionState.Handshake)
        {
            if (now - _startedAt >= _handshakeTimeout)
            {
                TimeOut(RtmpError.HandshakeTimeout);
            }
            return;
        }
        RtmpError late;
        int seconds;
        var partialSince = Volatile.Read(ref _partialSince);
        // A player need send nothing while it plays: the write deadline is what notices one that went away.
        if (_state != RtmpSessionState.Playing && now - Math.Max(Volatile.Read(ref _lastInput), _graceFrom) >= _idleTimeout)
        {
            (late, seconds) = (RtmpError.IdleTimeout, _options.IdleTimeoutSeconds);
        }
        else if (partialSince != NotTiming && now - Math.Max(partialSince, _graceFrom) >= _partialTimeout)
        {
            (late, seconds) = (RtmpError.PartialMessageTimeout, _options.PartialMessageTimeoutSeconds);
        }
        else
        {
            return;
        }
        if (Volatile.Read(ref _unparsed) < MaxUnparsedWhileBehind && _hasUnreadInput?.Invoke() == true)
        {
            _graceFrom = now;
            RtmpLog.BehindNotIdle(_logger, _connectionId, _remoteAddress, seconds);
            return;
        }
        TimeOut(late);
    }

    private void TimeOut(RtmpError reason)
    {
        if (Interlocked.CompareExchange(ref _timedOut, (int)reason + 1, 0) == 0)
        {
            // Both are sticky: a read or flush not pending now returns cancelled when it is next called.
            _transport.Input.CancelPendingRead();
            _transport.Output.CancelPendingFlush();
        }
    }

    private void ThrowIfTimedOut()
    {
        var timedOut = Volatile.Read(ref _timedOut);
        if (timedOut == 0)
        {
            return;
        }
        var reason = (RtmpError)(timedOut - 1);
        throw new RtmpProtocolException(reason, reason switch
        {
            RtmpError.HandshakeTimeout => $"handshake not finished within {_options.HandshakeTimeoutSeconds} s",
            RtmpError.IdleTimeout => $"nothing received for {_options.IdleTimeoutSeconds} s",
            RtmpError.PartialMessageTimeout => $"a message begun {_options.PartialMessageTimeoutSeconds} s ago is still not whole",
            _ => $"the peer took nothing written to it for {_options.WriteTimeoutSeconds} s",
        });
    }
}
