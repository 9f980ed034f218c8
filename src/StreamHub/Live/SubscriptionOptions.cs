namespace StreamHub.Live;

/// <summary>Who subscribes: the name is for log lines (e.g. "rtmp-play 203.0.113.7:50122"), never a key.</summary>
public sealed record SubscriptionOptions(string Name);
