using StreamHub.Live;

namespace StreamHub.Tests.Live;

public sealed class LiveStreamRegistryEventsTests
{
    [Fact]
    public void Started_and_ended_are_raised_once_per_publish_and_a_throwing_handler_does_not_stop_the_others()
    {
        var registry = new LiveStreamRegistry([], TimeProvider.System);
        var seen = new List<string>();
        registry.StreamStarted += _ => throw new InvalidOperationException("a broken observer");
        registry.StreamStarted += s => seen.Add($"started {s.Name}");
        registry.StreamEnded += s => seen.Add($"ended {s.Name}");

        Assert.True(registry.TryBeginPublish("a", new PublisherInfo("c1", "127.0.0.1:1", null), out var stream));
        Assert.False(registry.TryBeginPublish("a", new PublisherInfo("c2", "127.0.0.1:2", null), out _));
        registry.EndPublish(stream);
        registry.EndPublish(stream);

        Assert.Equal(["started a", "ended a"], seen);
        Assert.Null(registry.Find("a"));
    }
}
