using System.Diagnostics;

namespace StreamHub.LoadTest;

/// <summary>When the fan-out publisher handed each video frame to its socket, by the frame's RTMP timestamp: the start
/// of the latency a player measures when the message with that timestamp arrives (same process, same clock:
/// <see cref="Stopwatch.GetTimestamp"/>). One writer (the pacer), any number of readers, no lock: a ring of
/// 65,536 slots indexed by timestamp (ms) modulo its size, so a frame is found for 65 s after it was sent.</summary>
public sealed class FrameSendLog
{
    private const int Slots = 1 << 16;
    private readonly long[] _timestamps = new long[Slots];
    private readonly long[] _sentAt = new long[Slots];
    private long _framesSent;
    private long _lastTimestamp = -1;

    public FrameSendLog() => Array.Fill(_timestamps, -1L);

    /// <summary>Video frames recorded so far.</summary>
    public long FramesSent => Volatile.Read(ref _framesSent);

    /// <summary>The timestamp of the newest video frame sent, or −1.</summary>
    public long LastTimestamp => Volatile.Read(ref _lastTimestamp);

    /// <summary>Called by the single writer. The slot's timestamp is invalidated first and written last, so a reader
    /// that sees a matching timestamp on both sides of its read has a consistent pair.</summary>
    public void Record(long timestamp, long sentAt)
    {
        var slot = (int)(timestamp & (Slots - 1));
        Volatile.Write(ref _timestamps[slot], -1);
        Volatile.Write(ref _sentAt[slot], sentAt);
        Volatile.Write(ref _timestamps[slot], timestamp);
        Volatile.Write(ref _lastTimestamp, timestamp);
        Interlocked.Increment(ref _framesSent);
    }

    public bool TryFind(long timestamp, out long sentAt)
    {
        var slot = (int)(timestamp & (Slots - 1));
        if (Volatile.Read(ref _timestamps[slot]) == timestamp)
        {
            sentAt = Volatile.Read(ref _sentAt[slot]);
            if (Volatile.Read(ref _timestamps[slot]) == timestamp)
            {
                return true;
            }
        }
        sentAt = 0;
        return false;
    }
}
