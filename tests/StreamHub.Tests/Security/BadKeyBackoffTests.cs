using System.Net;
using Microsoft.Extensions.Options;
using StreamHub.Security;
using StreamHub.Tests.Infrastructure;

namespace StreamHub.Tests.Security;

public sealed class BadKeyBackoffTests
{
    private static readonly IPAddress Guesser = IPAddress.Parse("198.51.100.9");

    [Fact]
    public void After_the_allowed_bad_keys_an_address_waits_and_the_wait_doubles()
    {
        var time = new ManualTimeProvider(DateTimeOffset.Parse("2030-01-01T00:00:00Z"));
        var backoff = new BadKeyBackoff(Options.Create(new LimitsOptions { BadKeyAttempts = 3, BadKeyBackoffSeconds = 10 }), time);

        backoff.RecordFailure(Guesser);
        backoff.RecordFailure(Guesser);
        Assert.Equal(TimeSpan.Zero, backoff.RemainingWait(Guesser));
        backoff.RecordFailure(Guesser);
        Assert.Equal(TimeSpan.FromSeconds(10), backoff.RemainingWait(Guesser));
        Assert.Equal(TimeSpan.Zero, backoff.RemainingWait(IPAddress.Parse("198.51.100.10")));

        time.Advance(TimeSpan.FromSeconds(11));
        Assert.Equal(TimeSpan.Zero, backoff.RemainingWait(Guesser));
        backoff.RecordFailure(Guesser);
        Assert.Equal(TimeSpan.FromSeconds(20), backoff.RemainingWait(Guesser));

        for (var i = 0; i < 40; i++)
        {
            backoff.RecordFailure(Guesser);
        }
        Assert.Equal(TimeSpan.FromMinutes(15), backoff.RemainingWait(Guesser));
    }

    [Fact]
    public void A_good_key_clears_the_record()
    {
        var time = new ManualTimeProvider(DateTimeOffset.UtcNow);
        var backoff = new BadKeyBackoff(Options.Create(new LimitsOptions { BadKeyAttempts = 1, BadKeyBackoffSeconds = 60 }), time);
        backoff.RecordFailure(Guesser);
        Assert.True(backoff.RemainingWait(Guesser) > TimeSpan.Zero);
        backoff.RecordSuccess(Guesser);
        Assert.Equal(TimeSpan.Zero, backoff.RemainingWait(Guesser));
    }
}
