namespace StreamHub.Restream;

/// <summary>A validated target to store (from a create) or the validated fields of a change (from an update: null
/// fields stay as stored).</summary>
public sealed record RestreamTargetDraft(string? Name, RestreamUrl? Url, string? Key, bool? Enabled, bool? AllowUntrustedCertificate)
{
    /// <summary>The key is a secret: the record's generated ToString would print it.</summary>
    public override string ToString() => $"{Name} ({Url})";
}
