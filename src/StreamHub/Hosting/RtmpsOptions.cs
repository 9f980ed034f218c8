using System.ComponentModel.DataAnnotations;

namespace StreamHub.Hosting;

/// <summary>A dedicated RTMPS listener (RTMP in TLS, with the HTTPS certificate), bound from <c>StreamHub:Rtmps</c>.
/// Off by default: RTMPS is already accepted on the HTTPS port.</summary>
public sealed class RtmpsOptions
{
    public const string Section = "StreamHub:Rtmps";

    /// <summary>TCP port; 0 (the default) turns the listener off.</summary>
    [Range(0, 65535, ErrorMessage = "StreamHub:Rtmps:Port must be between 0 (off) and 65535.")]
    public int Port { get; set; }
}
