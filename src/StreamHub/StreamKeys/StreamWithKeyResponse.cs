namespace StreamHub.StreamKeys;

/// <summary>The answer to create and rotate: the only two places the stream key is ever shown.</summary>
/// <param name="Key">The secret stream key. Store it now: the server keeps only its hash.</param>
/// <param name="Application">The RTMP application: publish to rtmp://HOST:1935/{Application}/{Key}; in OBS the server
/// is rtmp://HOST/{Application} and the stream key is {Key}.</param>
public sealed record StreamWithKeyResponse(
    string Name,
    string Key,
    string Application,
    string? Description,
    DateTimeOffset CreatedAt,
    DateTimeOffset KeyIssuedAt,
    DateTimeOffset? ExpiresAt,
    string PlaybackUrl,
    string[] AllowedPublishers,
    string? HlsContainer,
    bool? HlsLowLatency)
{
    public static StreamWithKeyResponse From(StreamRecord stream, string key, string application) => new(
        stream.Name, key, application, stream.Description, stream.CreatedAt, stream.KeyIssuedAt, stream.ExpiresAt,
        $"/hls/{stream.Name}/index.m3u8", stream.AllowedPublisherList, stream.HlsContainer, stream.HlsLowLatency);
}
