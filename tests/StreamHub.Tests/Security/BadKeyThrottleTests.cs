using System.Net;
using Microsoft.Extensions.Options;
using StreamHub.Security;
using StreamHub.Tests.Infrastructure;

namespace StreamHub.Tests.Security;

public sealed class BadKeyThrottleTests
{
    private static readonly IPAddress Guesser = IPAddress.Parse("198.51.100.9");

    [Fact]
    public void Past_the_allowed_bad_keys_each_further_refusal_is_held_and_the_count_is_forgotten_after_a_quiet_minute()
    {
        var time = new ManualTimeProvider(DateTimeOffset.Parse("2030-01-01T00:00:00Z"));
        var throttle = new BadKeyThrottle(Options.Create(new LimitsOptions { BadKeyAttempts = 3, BadKeyDelaySeconds = 7 }), time);

        Assert.Equal(TimeSpan.Zero, throttle.RecordFailure(Guesser));
        Assert.Equal(TimeSpan.Zero, throttle.RecordFailure(Guesser));
        Assert.Equal(TimeSpan.Zero, throttle.RecordFailure(Guesser));
        Assert.Equal(TimeSpan.FromSeconds(7), throttle.RecordFailure(Guesser));
        Assert.Equal(TimeSpan.FromSeconds(7), throttle.RecordFailure(Guesser));
        Assert.Equal(0, throttle.Failures(IPAddress.Parse("198.51.100.10")));

        time.Advance(BadKeyThrottle.ForgetAfter + TimeSpan.FromSeconds(1));
        Assert.Equal(0, throttle.Failures(Guesser));
        Assert.Equal(TimeSpan.Zero, throttle.RecordFailure(Guesser));
        Assert.Equal(1, throttle.Failures(Guesser));
    }

    [Fact]
    public void Ipv6_guesses_count_per_64_so_a_host_cannot_escape_by_changing_its_interface_id()
    {
        var time = new ManualTimeProvider(DateTimeOffset.Parse("2030-01-01T00:00:00Z"));
        var throttle = new BadKeyThrottle(Options.Create(new LimitsOptions { BadKeyAttempts = 2, BadKeyDelaySeconds = 5 }), time);

        throttle.RecordFailure(IPAddress.Parse("2001:db8:1:2::1"));
        throttle.RecordFailure(IPAddress.Parse("2001:db8:1:2:aaaa::2"));
        Assert.Equal(TimeSpan.FromSeconds(5), throttle.RecordFailure(IPAddress.Parse("2001:db8:1:2:ffff:ffff:ffff:ffff")));
        Assert.Equal(0, throttle.Failures(IPAddress.Parse("2001:db8:1:3::1")));
    }
}
