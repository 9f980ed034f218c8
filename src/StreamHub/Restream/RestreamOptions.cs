using System.ComponentModel.DataAnnotations;

namespace StreamHub.Restream;

/// <summary>How the pusher talks to the platforms (section <c>StreamHub:Restream</c>).</summary>
public sealed class RestreamOptions : IValidatableObject
{
    public const string Section = "StreamHub:Restream";

    /// <summary>The longest each step of a connection may take: TCP, TLS, the RTMP handshake, connect, publish.</summary>
    [Range(0.5, 120.0, ErrorMessage = "StreamHub:Restream:ConnectTimeoutSeconds must be between 0.5 and 120 seconds.")]
    public double ConnectTimeoutSeconds { get; set; } = 10;

    /// <summary>A platform that takes none of what is sent for this long is dropped and reconnected.</summary>
    [Range(1.0, 300.0, ErrorMessage = "StreamHub:Restream:WriteTimeoutSeconds must be between 1 and 300 seconds.")]
    public double WriteTimeoutSeconds { get; set; } = 15;

    /// <summary>The first wait before a reconnect; it doubles with each failure in a row.</summary>
    [Range(0.1, 60.0, ErrorMessage = "StreamHub:Restream:RetryInitialSeconds must be between 0.1 and 60 seconds.")]
    public double RetryInitialSeconds { get; set; } = 1;

    /// <summary>The longest wait before a reconnect, and the wait after a refusal retrying cannot fix soon.</summary>
    [Range(1.0, 3600.0, ErrorMessage = "StreamHub:Restream:RetryMaxSeconds must be between 1 and 3600 seconds.")]
    public double RetryMaxSeconds { get; set; } = 60;

    /// <summary>The chunk size sent to the platforms. The same as RTMP players get (StreamHub:Rtmp:OutChunkSize,
    /// 4096 by default) lets targets and players share each frame's chunks.</summary>
    [Range(128, 65536, ErrorMessage = "StreamHub:Restream:ChunkSize must be between 128 and 65536.")]
    public int ChunkSize { get; set; } = 4096;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (RetryMaxSeconds < RetryInitialSeconds)
        {
            yield return new ValidationResult("StreamHub:Restream:RetryMaxSeconds must be at least StreamHub:Restream:RetryInitialSeconds.",
                [nameof(RetryMaxSeconds)]);
        }
    }
}
