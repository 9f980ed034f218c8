namespace StreamHub.StreamKeys;

/// <summary>Body of <c>POST /api/streams</c>.</summary>
/// <param name="Name">Public name: lowercase letters, digits, '-' and '_', 1 to 64 characters.</param>
/// <param name="Description">Optional note for admins, up to 256 characters.</param>
/// <param name="ExpiresAt">Optional time after which the key no longer publishes (ISO 8601).</param>
/// <param name="AllowedPublishers">Optional addresses or CIDR networks the stream may be published from
/// (e.g. ["203.0.113.0/24"]); empty or absent: any address StreamHub:Access:Publish allows.</param>
/// <param name="HlsContainer">Optional HLS container for this stream, "fmp4" or "ts"; absent: StreamHub:Hls:Container.</param>
/// <param name="HlsLowLatency">Optional low-latency HLS switch for this stream; absent: StreamHub:Hls:LowLatency.</param>
public sealed record CreateStreamRequest(string? Name, string? Description, DateTimeOffset? ExpiresAt, string[]? AllowedPublishers = null,
    string? HlsContainer = null, bool? HlsLowLatency = null);
