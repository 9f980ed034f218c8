using System.ComponentModel.DataAnnotations;

namespace StreamHub.Hosting;

/// <summary>The plain HTTP listener (HLS, API, dashboard), bound from <c>StreamHub:Http</c>.</summary>
public sealed class HttpOptions
{
    public const string Section = "StreamHub:Http";

    /// <summary>TCP port; 0 turns the listener off.</summary>
    [Range(0, 65535, ErrorMessage = "StreamHub:Http:Port must be between 0 (off) and 65535.")]
    public int Port { get; set; } = 80;

    /// <summary>Also accept RTMP on this port, told apart from HTTP by the first byte of the connection
    /// (0x03, RTMP's C0; 0x06, RTMPE's), for encoders behind firewalls that only let web ports out.</summary>
    public bool AcceptRtmp { get; set; } = true;

    /// <summary>Redirect the dashboard and API from HTTP to HTTPS; HLS and the health endpoints stay on HTTP.</summary>
    public bool RedirectToHttps { get; set; }
}
