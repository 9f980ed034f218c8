namespace StreamHub.Restream;

/// <summary>A restream target as the API shows it, with its push state. Never carries the key.</summary>
/// <param name="Name">The target's name, unique for the stream.</param>
/// <param name="Url">Where it is pushed, without the key (rtmp://a.rtmp.youtube.com/live2).</param>
/// <param name="Scheme">rtmp or rtmps.</param>
/// <param name="Application">The RTMP application the push connects to.</param>
/// <param name="KeyHint">The last characters of the key ("…abcd"), to recognise it; never the key.</param>
/// <param name="KeyUnreadable">The stored key cannot be decrypted (the Data Protection key ring, in the data directory
/// or with PostgreSQL in the database, was lost or replaced): the target is not pushed until its key is entered again (PATCH with "key").</param>
/// <param name="Enabled">Pushed while the stream is live.</param>
/// <param name="AllowUntrustedCertificate">rtmps: a certificate the system does not trust is accepted.</param>
/// <param name="State">idle, connecting, live, retrying, failed or disabled.</param>
/// <param name="Since">When it entered that state (for a target not pushed since the server started: its last change).</param>
/// <param name="BytesSent">Bytes sent to the platform in this publish.</param>
/// <param name="BitsPerSecond">Output bitrate over the last few seconds.</param>
/// <param name="LastError">The last error in words, or null.</param>
/// <param name="Reconnects">Connection attempts after the first, in this publish.</param>
public sealed record RestreamTargetResponse(
    string Name,
    string Url,
    string Scheme,
    string Host,
    int Port,
    string Application,
    string KeyHint,
    bool KeyUnreadable,
    bool Enabled,
    bool AllowUntrustedCertificate,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    string State,
    DateTimeOffset Since,
    long BytesSent,
    long BitsPerSecond,
    string? LastError,
    int Reconnects)
{
    public const string UnreadableKeyError = "The stored key cannot be decrypted (the Data Protection key ring, in the data directory " +
        "or with PostgreSQL in the database, was lost or replaced): enter the key again.";

    /// <summary>The target with the pusher's report on it merged in; a target the pusher has not reported is idle, or
    /// disabled when turned off, or failed when its key cannot be decrypted.</summary>
    public static RestreamTargetResponse From(RestreamTargetRecord target, bool keyReadable, TargetStatus? status)
    {
        var url = new RestreamUrl(target.SchemeValue, target.Host, target.Port, target.Application);
        var state = status?.State ?? (!target.Enabled ? TargetState.Disabled : keyReadable ? TargetState.Idle : TargetState.Failed);
        var lastError = status is null ? (keyReadable ? null : UnreadableKeyError) : status.LastError;
        return new RestreamTargetResponse(
            target.Name, url.ToString(), url.SchemeName, target.Host, target.Port, target.Application,
            "…" + target.KeyHint, !keyReadable, target.Enabled, target.AllowUntrustedCertificate, target.CreatedAt, target.UpdatedAt,
            state.ToString().ToLowerInvariant(), status?.Since ?? target.UpdatedAt, status?.BytesSent ?? 0, status?.BitsPerSecond ?? 0,
            lastError, status?.Reconnects ?? 0);
    }

    public static RestreamTargetResponse[] From(IEnumerable<RestreamTargetRecord> targets, RestreamKeyProtector keys, IReadOnlyList<TargetStatus> statuses) =>
        [.. targets.Select(t => From(t, keys.CanUnprotect(t.ProtectedKey), statuses.FirstOrDefault(s => s.Name == t.Name)))];
}
