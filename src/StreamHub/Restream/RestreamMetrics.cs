using System.Diagnostics.Metrics;

namespace StreamHub.Restream;

/// <summary>The pusher's series on /metrics, read from the pushes at scrape time (nothing per frame): a target is
/// named by its stream and its name, never its key or URL.</summary>
public static class RestreamMetrics
{
    private static readonly TargetState[] States = Enum.GetValues<TargetState>();

    public static void Register(Meter meter, RestreamPusher pusher)
    {
        meter.CreateObservableGauge("streamhub_restream_targets", () => pusher.AllPushes().SelectMany(push =>
        {
            var state = push.State;
            return States.Select(s => new Measurement<int>(s == state ? 1 : 0, StreamTag(push), TargetTag(push),
                new KeyValuePair<string, object?>("state", s.ToString().ToLowerInvariant())));
        }), null, "Restream targets by stream, target and state: 1 for the state each target is in, 0 for the others.");
        meter.CreateObservableCounter("streamhub_restream_sent_bytes_total", () => pusher.AllPushes().Select(push =>
            new Measurement<long>(push.BytesSentTotal, StreamTag(push), TargetTag(push))), "By", "Bytes sent to each restream target.");
        meter.CreateObservableCounter("streamhub_restream_reconnects_total", () => pusher.AllPushes().Select(push =>
            new Measurement<long>(push.ReconnectsTotal, StreamTag(push), TargetTag(push))), null, "Reconnect attempts to each restream target.");
    }

    private static KeyValuePair<string, object?> StreamTag(TargetPush push) => new("stream", push.StreamName);

    private static KeyValuePair<string, object?> TargetTag(TargetPush push) => new("target", push.Target.Name);
}
