using StreamHub.Hls;
using StreamHub.Live;
using StreamHub.Playback;
using StreamHub.Restream;

namespace StreamHub.StreamKeys;

/// <summary>A stream as the API shows it, with its live statistics while it is live. Carries no key: the key is only
/// in <see cref="StreamWithKeyResponse"/>.</summary>
/// <param name="Hls">The stream's HLS side; <c>hls.viewers</c> is also <c>viewers.hls</c>.</param>
/// <param name="Viewers">Who watches now: HLS, RTMP and HTTP-FLV players, and their total.</param>
/// <param name="Players">Bytes sent to and frames dropped by the stream's RTMP and HTTP-FLV players.</param>
/// <param name="Targets">The platforms the stream is restreamed to, with their push state (never their keys).</param>
/// <param name="HlsContainer">The stream's own HLS container ("fmp4" or "ts"); null: the server's setting. The one in
/// use while live is <c>hls.container</c>.</param>
/// <param name="HlsLowLatency">The stream's own low-latency switch; null: the server's setting.</param>
public sealed record StreamResponse(
    string Name,
    string? Description,
    DateTimeOffset CreatedAt,
    DateTimeOffset KeyIssuedAt,
    DateTimeOffset? ExpiresAt,
    bool Expired,
    string PlaybackUrl,
    bool IsLive,
    LiveStreamStats? Live,
    HlsStats Hls,
    string[] AllowedPublishers,
    ViewerCounts Viewers,
    PlayerStats Players,
    RestreamTargetResponse[] Targets,
    string? HlsContainer,
    bool? HlsLowLatency)
{
    public static StreamResponse From(StreamRecord stream, DateTimeOffset now, LiveStream? live, HlsStats hls, PlayerCounts players,
        RestreamTargetResponse[] targets) => new(
        stream.Name, stream.Description, stream.CreatedAt, stream.KeyIssuedAt, stream.ExpiresAt, stream.IsExpired(now),
        $"/hls/{stream.Name}/index.m3u8", live is not null, live is null ? null : LiveStreamStats.From(live), hls, stream.AllowedPublisherList,
        ViewerCounts.From(hls.Viewers, players), PlayerStats.From(players), targets,
        stream.HlsContainer, stream.HlsLowLatency);
}
