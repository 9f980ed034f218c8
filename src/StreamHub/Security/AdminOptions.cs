namespace StreamHub.Security;

/// <summary>Admin API access, bound from <c>StreamHub:Admin</c>.</summary>
public sealed class AdminOptions
{
    public const string Section = "StreamHub:Admin";

    /// <summary>The key every <c>/api</c> call must carry in <c>X-Api-Key</c>. When empty, one is generated on first
    /// start, stored in <c>{DataDirectory}/admin-api-key</c> and printed once.</summary>
    public string? ApiKey { get; set; }
}
