namespace StreamHub.Tests.Infrastructure;

/// <summary>A clock the test moves by hand: wall-clock time and the monotonic timestamp move together.</summary>
public sealed class ManualTimeProvider(DateTimeOffset start) : TimeProvider
{
    private DateTimeOffset _now = start;

    public override DateTimeOffset GetUtcNow() => _now;

    /// <summary>Timestamps move with the hand-moved clock too (in ticks), for code that measures elapsed time.</summary>
    public override long GetTimestamp() => _now.UtcTicks;

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public void Advance(TimeSpan by) => _now += by;
}
