namespace StreamHub.Live;

/// <summary>Who subscribes: the name is for log lines (e.g. "rtmp-play 203.0.113.7:50122"), never a key.</summary>
/// <param name="StartsGopCache">Whether this subscription turns the stream's GOP cache on (players want it, so later
/// players start at once). A consumer attached before the stream's first frame, such as the recorder, needs no cache:
/// false keeps a stream that nobody watches from holding a GOP of pooled frames for it.</param>
public sealed record SubscriptionOptions(string Name, bool StartsGopCache = true);
