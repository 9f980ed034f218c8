namespace StreamHub.StreamKeys;

/// <summary>Body of <c>POST /api/streams</c>.</summary>
/// <param name="Name">Public name: lowercase letters, digits, '-' and '_', 1 to 64 characters.</param>
/// <param name="Description">Optional note for admins, up to 256 characters.</param>
/// <param name="ExpiresAt">Optional time after which the key no longer publishes (ISO 8601).</param>
public sealed record CreateStreamRequest(string? Name, string? Description, DateTimeOffset? ExpiresAt);
