using System.Diagnostics;

namespace StreamHub.LoadTest;

/// <summary>Frame delivery latencies from every player, without storing samples: 10 µs buckets up to 100 ms, then
/// 1 ms buckets up to 60 s, then one overflow bucket. Many players add at once (one interlocked increment each);
/// only frames sent after <see cref="WindowStart"/> count, so the GOP cache a player gets on joining and frames sent
/// before the measured window do not.</summary>
public sealed class LatencyHistogram
{
    private const int FineBuckets = 10_000;          // 0..100 ms by 10 µs
    private const int CoarseBuckets = 60_000 - 100;  // 100 ms..60 s by 1 ms
    private static readonly double TicksPerMicrosecond = Stopwatch.Frequency / 1e6;
    private readonly long[] _buckets = new long[FineBuckets + CoarseBuckets + 1];

    /// <summary>Stopwatch ticks; frames sent before it are not counted. Long.MaxValue: not recording.</summary>
    public long WindowStart { get; private set; } = long.MaxValue;

    /// <summary>Frames received (by any player) whose timestamp the publisher's log did not hold.</summary>
    public long Unmatched => Interlocked.Read(ref _unmatched);

    private long _unmatched;

    /// <summary>Stopwatch ticks; frames sent at or after it are not counted (they belong to no window).</summary>
    public long WindowEnd { get; private set; } = long.MaxValue;

    public void Open(long windowStart)
    {
        Array.Clear(_buckets);
        Interlocked.Exchange(ref _unmatched, 0);
        WindowEnd = long.MaxValue;
        WindowStart = windowStart;
    }

    /// <summary>Frames sent from <paramref name="windowEnd"/> on no longer count; those sent before still do when
    /// they arrive, until <see cref="Close"/>.</summary>
    public void EndWindow(long windowEnd) => WindowEnd = windowEnd;

    public void Close() => WindowStart = long.MaxValue;

    /// <summary>A video message with <paramref name="timestamp"/> arrived at <paramref name="receivedAt"/>.</summary>
    public void Add(FrameSendLog log, long timestamp, long receivedAt)
    {
        var windowStart = WindowStart;
        if (windowStart == long.MaxValue)
        {
            return;
        }
        if (!log.TryFind(timestamp, out var sentAt))
        {
            Interlocked.Increment(ref _unmatched);
            return;
        }
        if (sentAt < windowStart || sentAt >= WindowEnd)
        {
            return;
        }
        var microseconds = Math.Max(0, (long)((receivedAt - sentAt) / TicksPerMicrosecond));
        var bucket = microseconds < 100_000
            ? (int)(microseconds / 10)
            : (int)Math.Min(FineBuckets + CoarseBuckets, FineBuckets + (microseconds - 100_000) / 1000);
        Interlocked.Increment(ref _buckets[bucket]);
    }

    public long Count => _buckets.Sum();

    /// <summary>The latency (ms) below which a fraction <paramref name="p"/> of the samples lie (bucket midpoint);
    /// NaN without samples.</summary>
    public double PercentileMs(double p)
    {
        var total = Count;
        if (total == 0)
        {
            return double.NaN;
        }
        var rank = (long)Math.Ceiling(p * total);
        long seen = 0;
        for (var i = 0; i < _buckets.Length; i++)
        {
            seen += _buckets[i];
            if (seen >= Math.Max(1, rank))
            {
                return i < FineBuckets ? (i * 10 + 5) / 1000.0 : 100 + (i - FineBuckets) + 0.5;
            }
        }
        return double.PositiveInfinity;
    }
}
