namespace StreamHub.Restream;

/// <summary>Body of <c>PATCH /api/streams/{name}/targets/{target}</c>: each field given replaces the stored one;
/// absent fields stay.</summary>
/// <param name="Name">A new name, unique for the stream.</param>
/// <param name="Url">A new server URL (rtmp:// or rtmps://). The key is kept unless <paramref name="Key"/> is given too,
/// so the URL is taken as a server URL (its whole path is the application), never split into URL and key.</param>
/// <param name="Key">A new stream key (e.g. after the platform reset it, or when the stored one cannot be decrypted).</param>
/// <param name="Enabled">false stops pushing to it; true pushes again while the stream is live.</param>
/// <param name="AllowUntrustedCertificate">rtmps only: accept a certificate the system does not trust.</param>
public sealed record UpdateRestreamTargetRequest(string? Name, string? Url, string? Key, bool? Enabled, bool? AllowUntrustedCertificate);
