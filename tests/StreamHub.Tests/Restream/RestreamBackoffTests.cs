using StreamHub.Restream;

namespace StreamHub.Tests.Restream;

public sealed class RestreamBackoffTests
{
    private static readonly TimeSpan Initial = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan Max = TimeSpan.FromSeconds(60);

    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 2)]
    [InlineData(3, 4)]
    [InlineData(6, 32)]
    [InlineData(7, 60)]
    [InlineData(40, 60)]
    public void Doubles_from_the_initial_wait_up_to_the_maximum(int failures, double seconds) =>
        Assert.Equal(seconds, RestreamBackoff.Delay(failures, Initial, Max, 0.5).TotalSeconds, 3);

    [Fact]
    public void Jitter_spreads_by_a_fifth_either_way_and_never_past_the_maximum()
    {
        Assert.Equal(0.8, RestreamBackoff.Delay(1, Initial, Max, 0).TotalSeconds, 3);
        Assert.Equal(1.2, RestreamBackoff.Delay(1, Initial, Max, 1).TotalSeconds, 3);
        Assert.Equal(60, RestreamBackoff.Delay(9, Initial, Max, 1).TotalSeconds, 3);
        Assert.Equal(48, RestreamBackoff.Delay(9, Initial, Max, 0).TotalSeconds, 3);
    }
}
