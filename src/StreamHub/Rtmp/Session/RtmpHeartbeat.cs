using System.Collections.Concurrent;

namespace StreamHub.Rtmp.Session;

/// <summary>One timer for every RTMP session of the server, as Kestrel's <c>Heartbeat</c>: once a second it hands the
/// time to each running session, which compares it with the timestamps its read loop stored and times itself out
/// (<see cref="RtmpSession.OnHeartbeat"/>). Reads store a timestamp and nothing else: no timer per connection, none
/// re-armed from the read path. The clock is a <see cref="TimeProvider"/>, so tests move time by hand and call
/// <see cref="Tick"/> instead of waiting.</summary>
public sealed class RtmpHeartbeat : IDisposable
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    private static readonly Lazy<RtmpHeartbeat> SystemHeartbeat = new(() => new RtmpHeartbeat(TimeProvider.System));

    private readonly ConcurrentDictionary<RtmpSession, byte> _sessions = new();
    private readonly Lock _ticking = new();
    private readonly ITimer _timer;

    public RtmpHeartbeat(TimeProvider time)
    {
        Time = time;
        _timer = time.CreateTimer(static state => ((RtmpHeartbeat)state!).TryTick(), this, Interval, Interval);
    }

    /// <summary>A heartbeat on the system clock for sessions created without one (RTMPT tunnels), shared by them.</summary>
    public static RtmpHeartbeat System => SystemHeartbeat.Value;

    public TimeProvider Time { get; }

    /// <summary>Sessions running now.</summary>
    public int Sessions => _sessions.Count;

    internal void Add(RtmpSession session) => _sessions.TryAdd(session, 0);

    internal void Remove(RtmpSession session) => _sessions.TryRemove(session, out _);

    /// <summary>One beat: every session checks its deadlines against the clock's time now.</summary>
    internal void Tick()
    {
        lock (_ticking)
        {
            Beat();
        }
    }

    /// <summary>The timer's beat: skipped while the previous one still runs, so slow beats never pile up threads.</summary>
    private void TryTick()
    {
        if (!_ticking.TryEnter())
        {
            return;
        }
        try
        {
            Beat();
        }
        finally
        {
            _ticking.Exit();
        }
    }

    private void Beat()
    {
        var now = Time.GetTimestamp();
        foreach (var (session, _) in _sessions)
        {
            session.OnHeartbeat(now);
        }
    }

    public void Dispose() => _timer.Dispose();
}
