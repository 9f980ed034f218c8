using StreamHub.Hls;
using StreamHub.Tests.Hls.Support;

namespace StreamHub.Tests.Hls;

public sealed class WaitDeadlinesTests
{
    private static readonly DateTimeOffset Start = new(2026, 12, 2, 8, 0, 0, TimeSpan.Zero);

    [Fact]
    public void A_deadline_completes_on_the_first_tick_at_or_after_it_and_deadlines_in_one_tick_share_its_task()
    {
        var time = new ManualTimeProvider(Start);
        using var deadlines = new WaitDeadlines(time);
        var timer = Assert.Single(time.Timers);

        var oneSecond = deadlines.After(TimeSpan.FromSeconds(1));
        Assert.Same(oneSecond, deadlines.After(TimeSpan.FromMilliseconds(970))); // the same 100 ms tick
        var later = deadlines.After(TimeSpan.FromSeconds(2));
        Assert.NotSame(oneSecond, later);

        time.Advance(TimeSpan.FromMilliseconds(900));
        timer.Callback(timer.State);
        Assert.False(oneSecond.IsCompleted, "completed before its deadline");

        time.Advance(TimeSpan.FromMilliseconds(100));
        timer.Callback(timer.State);
        Assert.True(oneSecond.IsCompleted);
        Assert.False(later.IsCompleted);

        Assert.True(deadlines.After(TimeSpan.Zero).IsCompleted);
    }
}
