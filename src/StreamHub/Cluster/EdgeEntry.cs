namespace StreamHub.Cluster;

/// <summary>One answer of an origin node as an edge keeps it: status, the headers a player needs, the whole body. The
/// body is a plain array shared by every viewer the entry is served to; it is never written to after the fetch.</summary>
public sealed class EdgeEntry(int status, string? contentType, string? cacheControl, string? published, byte[] body, long expiresAt, bool immutable)
{
    /// <summary>What a key costs besides its body: the key string, the entry and the dictionary node, roughly.</summary>
    public const int Overhead = 256;

    public int Status { get; } = status;
    public string? ContentType { get; } = contentType;
    public string? CacheControl { get; } = cacheControl;
    public string? Published { get; } = published;
    public byte[] Body { get; } = body;

    /// <summary><see cref="TimeProvider.GetTimestamp"/> past which the entry is stale; 0: not to be kept at all.</summary>
    public long ExpiresAt { get; } = expiresAt;

    /// <summary>Cache-Control said immutable: a segment, part or init segment, kept until evicted.</summary>
    public bool Immutable { get; } = immutable;

    /// <summary>The origin could not be asked: 502 or 504 with this reason, never kept.</summary>
    public string? Failure { get; private init; }

    public long Size => Body.Length + Overhead;

    /// <summary><see cref="TimeProvider.GetTimestamp"/> of the last request served from the entry (for LRU eviction).</summary>
    public long LastUsed;

    public static EdgeEntry Failed(int status, string reason) => new(status, null, null, null, [], 0, false) { Failure = reason };
}
