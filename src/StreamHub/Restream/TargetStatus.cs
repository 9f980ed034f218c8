namespace StreamHub.Restream;

/// <summary>A target's push as the API, the dashboard and /metrics show it. Never holds the key.</summary>
/// <param name="Name">The target's name.</param>
/// <param name="Host">The host it pushes to.</param>
/// <param name="State">idle, connecting, live, retrying, failed or disabled.</param>
/// <param name="Since">When it entered that state.</param>
/// <param name="BytesSent">Bytes sent to the platform in this publish (all attempts).</param>
/// <param name="BitsPerSecond">Measured output bitrate over the last few seconds.</param>
/// <param name="LastError">The last error in words (connection refused, DNS, TLS, the platform's publish error), or null.</param>
/// <param name="Reconnects">Attempts after the first, in this publish.</param>
public sealed record TargetStatus(
    string Name,
    string Host,
    TargetState State,
    DateTimeOffset Since,
    long BytesSent,
    long BitsPerSecond,
    string? LastError,
    int Reconnects);
