namespace StreamHub.Tests.Hls.Support;

/// <summary>A clock the test moves by hand. Its timers fire only when the test calls <see cref="Fire"/>, early or late
/// as the test chooses.</summary>
public sealed class ManualTimeProvider(DateTimeOffset start) : TimeProvider
{
    private readonly List<ManualTimer> _timers = [];
    private DateTimeOffset _now = start;

    public override DateTimeOffset GetUtcNow() => _now;

    public void Advance(TimeSpan by) => _now += by;

    public IReadOnlyList<ManualTimer> Timers => _timers;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = new ManualTimer(callback, state, dueTime);
        _timers.Add(timer);
        return timer;
    }

    /// <summary>Runs every live timer's callback now, whatever its due time.</summary>
    public void Fire()
    {
        foreach (var timer in _timers.Where(t => !t.Disposed && t.DueTime != Timeout.InfiniteTimeSpan).ToArray())
        {
            timer.DueTime = Timeout.InfiniteTimeSpan;
            timer.Callback(timer.State);
        }
    }

    public sealed class ManualTimer(TimerCallback callback, object? state, TimeSpan dueTime) : ITimer
    {
        public TimerCallback Callback { get; } = callback;
        public object? State { get; } = state;
        public TimeSpan DueTime { get; set; } = dueTime;
        public bool Disposed { get; private set; }

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            DueTime = dueTime;
            return !Disposed;
        }

        public void Dispose() => Disposed = true;

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
