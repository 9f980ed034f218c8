using System.Collections.Concurrent;

namespace StreamHub.Hls;

/// <summary>The deadlines of requests that wait for a stream (blocking playlist reloads, preload-hinted parts), on one
/// timer for the whole server: a waiting request awaits its snapshot's <c>Superseded</c> or the task of the tick at its
/// deadline, shared by every request whose deadline falls in the same tick. No timer, linked
/// <see cref="CancellationTokenSource"/> or cancellation registration per waiting request: a thousand waiting players
/// wake three times a second, and each of those would be made and torn down on every wake.</summary>
public sealed class WaitDeadlines : IDisposable
{
    /// <summary>How late a deadline may fire: the deadlines are seconds long, so a tenth of a second is noise.</summary>
    public static readonly TimeSpan Resolution = TimeSpan.FromMilliseconds(100);

    private readonly ConcurrentDictionary<long, TaskCompletionSource> _ticks = new();
    private readonly TimeProvider _time;
    private readonly ITimer _timer;

    public WaitDeadlines(TimeProvider time)
    {
        _time = time;
        _timer = time.CreateTimer(static state => ((WaitDeadlines)state!).Fire(), this, Resolution, Resolution);
    }

    /// <summary>A task that completes once <paramref name="after"/> has passed (at most one <see cref="Resolution"/>
    /// late); completed already when it has.</summary>
    public Task After(TimeSpan after)
    {
        var tick = (_time.GetUtcNow().UtcTicks + after.Ticks + Resolution.Ticks - 1) / Resolution.Ticks;
        if (after <= TimeSpan.Zero)
        {
            return Task.CompletedTask;
        }
        return _ticks.GetOrAdd(tick, static _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
    }

    private void Fire()
    {
        var now = _time.GetUtcNow().UtcTicks / Resolution.Ticks;
        foreach (var (tick, _) in _ticks)
        {
            // A tick added after it was due is caught on the next run.
            if (tick <= now && _ticks.TryRemove(tick, out var source))
            {
                source.TrySetResult();
            }
        }
    }

    public void Dispose()
    {
        _timer.Dispose();
        foreach (var (_, source) in _ticks)
        {
            source.TrySetResult();
        }
    }
}
