namespace StreamHub.StreamKeys;

/// <summary>Body of <c>PATCH /api/streams/{name}</c>: each field given replaces the stored one; absent fields stay.</summary>
/// <param name="Description">New description ("" clears it).</param>
/// <param name="ExpiresAt">New expiry. A time already past expires the key at once (and disconnects a live publisher).</param>
/// <param name="ClearExpiry">true removes the expiry.</param>
/// <param name="AllowedPublishers">New publisher networks ([] allows any address again).</param>
/// <param name="HlsContainer">New HLS container for this stream, "fmp4" or "ts", or "default" to follow
/// StreamHub:Hls:Container again. Applies from the stream's next publish.</param>
/// <param name="HlsLowLatency">New low-latency HLS switch for this stream. Applies from the stream's next publish.</param>
/// <param name="ClearHlsLowLatency">true makes the stream follow StreamHub:Hls:LowLatency again.</param>
public sealed record UpdateStreamRequest(string? Description, DateTimeOffset? ExpiresAt, bool? ClearExpiry, string[]? AllowedPublishers,
    string? HlsContainer = null, bool? HlsLowLatency = null, bool? ClearHlsLowLatency = null);
