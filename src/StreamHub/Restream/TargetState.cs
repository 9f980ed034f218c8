namespace StreamHub.Restream;

/// <summary>Where a target's push is.</summary>
public enum TargetState
{
    /// <summary>The stream is not live (or the target was just added): nothing to push.</summary>
    Idle,

    /// <summary>Connecting, handshaking or waiting for the platform to accept the publish.</summary>
    Connecting,

    /// <summary>Publishing: media flows to the platform.</summary>
    Live,

    /// <summary>The last attempt failed or the connection dropped; the next attempt is scheduled (backoff).</summary>
    Retrying,

    /// <summary>The platform refused in a way retrying cannot fix soon (e.g. it rejected the key); retried only
    /// at the longest backoff.</summary>
    Failed,

    /// <summary>Turned off through the API or the dashboard.</summary>
    Disabled,
}
