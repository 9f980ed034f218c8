using StreamHub.Playback;

namespace StreamHub.Diagnostics;

/// <summary>The server at a glance, for <c>GET /api/stats</c>.</summary>
/// <param name="Version">The StreamHub build.</param>
/// <param name="StartedAt">When the process started.</param>
/// <param name="UptimeSeconds">Seconds since then.</param>
/// <param name="StreamsLive">Streams being published now.</param>
/// <param name="PublishesSinceStart">Publishes accepted since start.</param>
/// <param name="BytesIn">Media bytes received from publishers since start.</param>
/// <param name="BytesOut">HLS bytes sent to viewers since start.</param>
/// <param name="Listeners">Connections open now, per listener.</param>
/// <param name="SegmentMemory">The memory that holds HLS segments: pool blocks in use and free.</param>
/// <param name="Players">RTMP and HTTP-FLV players connected now, all streams, and what players were sent and dropped
/// since start.</param>
public sealed record ServerStats(
    string Version,
    DateTimeOffset StartedAt,
    long UptimeSeconds,
    int StreamsLive,
    long PublishesSinceStart,
    long BytesIn,
    long BytesOut,
    IReadOnlyList<ListenerReport> Listeners,
    SegmentMemoryReport SegmentMemory,
    PlayerCounts Players);
