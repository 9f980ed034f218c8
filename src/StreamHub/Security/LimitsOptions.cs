using System.ComponentModel.DataAnnotations;

namespace StreamHub.Security;

/// <summary>Bounds against abuse, bound from <c>StreamHub:Limits</c>. On by default. Per-address limits count an IPv4
/// address alone and an IPv6 address by its /64 (one host or home network is given a whole /64), and each protocol has
/// its own, so many publishers behind one NAT do not use up their viewers' HTTP connections.</summary>
public sealed class LimitsOptions : IValidatableObject
{
    public const string Section = "StreamHub:Limits";

    /// <summary>Most connections open at once, over every listener.</summary>
    [Range(1, 1_000_000, ErrorMessage = "StreamHub:Limits:MaxConnections must be between 1 and 1000000.")]
    public int MaxConnections { get; set; } = 10_000;

    /// <summary>Most RTMP connections (the RTMP and RTMPS ports, and RTMP found on the web ports) open at once from one
    /// address.</summary>
    [Range(1, 1_000_000, ErrorMessage = "StreamHub:Limits:MaxRtmpConnectionsPerAddress must be between 1 and 1000000.")]
    public int MaxRtmpConnectionsPerAddress { get; set; } = 100;

    /// <summary>Most HTTP connections (the HTTP and HTTPS ports) open at once from one address. Higher than RTMP's:
    /// a browser opens several, and whole offices watch from behind one address.</summary>
    [Range(1, 1_000_000, ErrorMessage = "StreamHub:Limits:MaxHttpConnectionsPerAddress must be between 1 and 1000000.")]
    public int MaxHttpConnectionsPerAddress { get; set; } = 1_000;

    /// <summary>Most RTMPT tunnels open at once, from everyone.</summary>
    [Range(1, 1_000_000, ErrorMessage = "StreamHub:Limits:MaxTunnels must be between 1 and 1000000.")]
    public int MaxTunnels { get; set; } = 10_000;

    /// <summary>Most RTMPT tunnels open at once from one address (an encoder uses one).</summary>
    [Range(1, 1_000_000, ErrorMessage = "StreamHub:Limits:MaxTunnelsPerAddress must be between 1 and 1000000.")]
    public int MaxTunnelsPerAddress { get; set; } = 20;

    /// <summary>Admin API requests per minute from one address; more get 429.</summary>
    [Range(1, 1_000_000, ErrorMessage = "StreamHub:Limits:AdminRequestsPerMinute must be between 1 and 1000000.")]
    public int AdminRequestsPerMinute { get; set; } = 300;

    /// <summary>Bad stream keys from one address answered at once; the count is forgotten after a minute without one.</summary>
    [Range(1, 1000, ErrorMessage = "StreamHub:Limits:BadKeyAttempts must be between 1 and 1000.")]
    public int BadKeyAttempts { get; set; } = 5;

    /// <summary>Beyond <see cref="BadKeyAttempts"/>, how long each further bad key waits for its refusal. The right key
    /// never waits, so a neighbour's guessing cannot lock an encoder out.</summary>
    [Range(1, 60, ErrorMessage = "StreamHub:Limits:BadKeyDelaySeconds must be between 1 and 60.")]
    public int BadKeyDelaySeconds { get; set; } = 5;

    /// <summary>Replaced by the per-protocol limits; bound only so that a configuration still setting it stops start-up
    /// instead of being silently ignored.</summary>
    public string? MaxConnectionsPerAddress { get; set; }

    /// <summary>Replaced by <see cref="BadKeyDelaySeconds"/>; bound only to stop start-up if it is still set.</summary>
    public string? BadKeyBackoffSeconds { get; set; }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (MaxConnectionsPerAddress is not null)
        {
            yield return new ValidationResult("StreamHub:Limits:MaxConnectionsPerAddress was replaced by one limit per protocol: "
                + "StreamHub:Limits:MaxRtmpConnectionsPerAddress, StreamHub:Limits:MaxHttpConnectionsPerAddress and StreamHub:Limits:MaxTunnelsPerAddress.",
                [nameof(MaxConnectionsPerAddress)]);
        }
        if (BadKeyBackoffSeconds is not null)
        {
            yield return new ValidationResult("StreamHub:Limits:BadKeyBackoffSeconds was removed: bad keys are now slowed down, not locked out "
                + "(StreamHub:Limits:BadKeyDelaySeconds).", [nameof(BadKeyBackoffSeconds)]);
        }
    }
}
