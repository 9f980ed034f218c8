namespace StreamHub.StreamKeys;

/// <summary>A stream as the API shows it. Carries no key: the key is only in <see cref="StreamWithKeyResponse"/>.</summary>
public sealed record StreamResponse(
    string Name,
    string? Description,
    DateTimeOffset CreatedAt,
    DateTimeOffset KeyIssuedAt,
    DateTimeOffset? ExpiresAt,
    bool Expired,
    string PlaybackUrl)
{
    public static StreamResponse From(StreamRecord stream, DateTimeOffset now) => new(
        stream.Name, stream.Description, stream.CreatedAt, stream.KeyIssuedAt, stream.ExpiresAt, stream.IsExpired(now),
        $"/hls/{stream.Name}/index.m3u8");
}
