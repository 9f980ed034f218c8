namespace StreamHub.Tests.Rtmp.Playback;

/// <summary>A server whose players may fall only a little behind: 2 s of media queued at most, removed after 1 s of
/// dropping; the publisher sends a noisy picture (a few Mbit/s), so a player that stops reading fills its socket and
/// its queue within a second or two.</summary>
public sealed class SlowPlayerFixture : PlaybackServerFixture
{
    public const double QueueSeconds = 2;
    public const int QueueBytes = 2 * 1024 * 1024;
    public const double BehindSeconds = 1;

    protected override bool Noisy => true;

    protected override IDictionary<string, string?> ExtraSettings => new Dictionary<string, string?>
    {
        ["StreamHub__Live__SubscriberQueueMaxSeconds"] = QueueSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["StreamHub__Live__SubscriberQueueMaxBytes"] = QueueBytes.ToString(),
        ["StreamHub__Live__SubscriberMaxBehindSeconds"] = BehindSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["StreamHub__Live__GopCacheMaxSeconds"] = "1.5",
        ["StreamHub__Live__GopCacheMaxBytes"] = (1024 * 1024).ToString(),
        // The backstop for a peer that takes nothing: longer than falling behind takes here, so the test sees the
        // subscription's own limit act (and would see this one, with its own reason, if that one failed to).
        ["StreamHub__Rtmp__WriteTimeoutSeconds"] = "8",
        ["StreamHub__Hls__SegmentDurationSeconds"] = "1",
    };
}
