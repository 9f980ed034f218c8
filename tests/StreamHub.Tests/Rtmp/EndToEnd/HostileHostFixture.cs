namespace StreamHub.Tests.Rtmp.EndToEnd;

/// <summary>The shared host for the hostile-peer suite: short handshake, idle, partial-message and write timeouts, so
/// stalled peers are cut off within the test's time.</summary>
public sealed class HostileHostFixture : RtmpHostFixture
{
    public override IDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["StreamHub:Rtmp:HandshakeTimeoutSeconds"] = "2",
        ["StreamHub:Rtmp:IdleTimeoutSeconds"] = "3",
        ["StreamHub:Rtmp:PartialMessageTimeoutSeconds"] = "2",
        ["StreamHub:Rtmp:WriteTimeoutSeconds"] = "2",
    };
}
