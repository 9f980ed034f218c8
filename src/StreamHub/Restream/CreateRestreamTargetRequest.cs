namespace StreamHub.Restream;

/// <summary>Body of <c>POST /api/streams/{name}/targets</c>.</summary>
/// <param name="Name">The target's name, unique for the stream: lowercase letters, digits, '-' and '_', 1 to 64
/// characters (e.g. "youtube").</param>
/// <param name="Url">The platform's server URL, rtmp:// or rtmps:// (e.g. rtmp://a.rtmp.youtube.com/live2,
/// rtmps://live-api-s.facebook.com:443/rtmp/, rtmp://live.twitch.tv/app). Without <paramref name="Key"/>, the full URL
/// with the key at its end (rtmp://live.twitch.tv/app/live_123?bandwidthtest=true), split as ffmpeg splits it.</param>
/// <param name="Key">The platform's stream key (with any query string). Stored encrypted; never shown again (the API
/// shows its last characters as keyHint).</param>
/// <param name="Enabled">Pushed while the stream is live; true when absent.</param>
/// <param name="AllowUntrustedCertificate">rtmps only: accept a certificate the system does not trust (a self-signed
/// server). false when absent.</param>
public sealed record CreateRestreamTargetRequest(string? Name, string? Url, string? Key, bool? Enabled = null, bool? AllowUntrustedCertificate = null);
