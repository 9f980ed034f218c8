using StreamHub.Hls;
using StreamHub.Live;

namespace StreamHub.StreamKeys;

/// <summary>A stream as the API shows it, with its live statistics while it is live. Carries no key: the key is only
/// in <see cref="StreamWithKeyResponse"/>.</summary>
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
    string[] AllowedPublishers)
{
    public static StreamResponse From(StreamRecord stream, DateTimeOffset now, LiveStream? live, HlsStats hls) => new(
        stream.Name, stream.Description, stream.CreatedAt, stream.KeyIssuedAt, stream.ExpiresAt, stream.IsExpired(now),
        $"/hls/{stream.Name}/index.m3u8", live is not null, live is null ? null : LiveStreamStats.From(live), hls, stream.AllowedPublisherList);
}
