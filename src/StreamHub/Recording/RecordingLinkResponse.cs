namespace StreamHub.Recording;

/// <summary>A signed link: anyone with it can download (and seek in) the recording, or play its HLS playlist, until it expires.</summary>
public sealed record RecordingLinkResponse(string Url, string PlaylistUrl, DateTimeOffset ExpiresAt);
