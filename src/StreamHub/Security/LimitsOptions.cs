using System.ComponentModel.DataAnnotations;

namespace StreamHub.Security;

/// <summary>Bounds against abuse, bound from <c>StreamHub:Limits</c>. On by default.</summary>
public sealed class LimitsOptions
{
    public const string Section = "StreamHub:Limits";

    /// <summary>Most connections open at once, over every listener.</summary>
    [Range(1, 1_000_000, ErrorMessage = "StreamHub:Limits:MaxConnections must be between 1 and 1000000.")]
    public int MaxConnections { get; set; } = 10_000;

    /// <summary>Most connections open at once from one address.</summary>
    [Range(1, 1_000_000, ErrorMessage = "StreamHub:Limits:MaxConnectionsPerAddress must be between 1 and 1000000.")]
    public int MaxConnectionsPerAddress { get; set; } = 100;

    /// <summary>Admin API requests per minute from one address; more get 429.</summary>
    [Range(1, 1_000_000, ErrorMessage = "StreamHub:Limits:AdminRequestsPerMinute must be between 1 and 1000000.")]
    public int AdminRequestsPerMinute { get; set; } = 300;

    /// <summary>Bad stream keys one address may present before it is made to wait.</summary>
    [Range(1, 1000, ErrorMessage = "StreamHub:Limits:BadKeyAttempts must be between 1 and 1000.")]
    public int BadKeyAttempts { get; set; } = 5;

    /// <summary>The first wait after too many bad keys; it doubles with each further bad key, up to 15 minutes.</summary>
    [Range(1, 3600, ErrorMessage = "StreamHub:Limits:BadKeyBackoffSeconds must be between 1 and 3600.")]
    public int BadKeyBackoffSeconds { get; set; } = 30;
}
