using System.ComponentModel.DataAnnotations;

namespace StreamHub.Rtmp;

/// <summary>RTMP ingest, bound from <c>StreamHub:Rtmp</c>. Every limit is on by default.</summary>
public sealed class RtmpOptions : IValidatableObject
{
    public const string Section = "StreamHub:Rtmp";

    /// <summary>TCP port; 0 turns the RTMP listener off.</summary>
    [Range(0, 65535, ErrorMessage = "StreamHub:Rtmp:Port must be between 0 (off) and 65535.")]
    public int Port { get; set; } = 1935;

    /// <summary>The application name in the publish URL: rtmp://host/{Application}/{streamKey}.</summary>
    [Required(AllowEmptyStrings = false, ErrorMessage = "StreamHub:Rtmp:Application must not be empty.")]
    [RegularExpression("^[A-Za-z0-9_.-]{1,64}$", ErrorMessage = "StreamHub:Rtmp:Application may hold only letters, digits, '.', '-' and '_'.")]
    public string Application { get; set; } = "live";

    /// <summary>The chunk size the server sends with (Set Chunk Size to the peer).</summary>
    [Range(128, 65536, ErrorMessage = "StreamHub:Rtmp:OutChunkSize must be between 128 and 65536.")]
    public int OutChunkSize { get; set; } = 4096;

    /// <summary>Largest RTMP message accepted; a peer announcing a longer one is disconnected.</summary>
    [Range(1024, 64 * 1024 * 1024, ErrorMessage = "StreamHub:Rtmp:MaxMessageSize must be between 1024 and 67108864 bytes.")]
    public int MaxMessageSize { get; set; } = 8 * 1024 * 1024;

    /// <summary>Largest command or data message (AMF: connect, createStream, publish, onMetaData, ...), and largest
    /// message of any kind before a publish is accepted. AMF is parsed into objects on the connection's thread, so a
    /// command must stay small: audio and video keep <see cref="MaxMessageSize"/>.</summary>
    [Range(1024, 64 * 1024 * 1024, ErrorMessage = "StreamHub:Rtmp:MaxCommandSize must be between 1024 and 67108864 bytes.")]
    public int MaxCommandSize { get; set; } = 64 * 1024;

    /// <summary>Most AMF values (properties and array elements, at every depth) in one command or data message.</summary>
    [Range(16, 1_000_000, ErrorMessage = "StreamHub:Rtmp:MaxAmfValues must be between 16 and 1000000.")]
    public int MaxAmfValues { get; set; } = 1024;

    /// <summary>Largest chunk size a peer may set.</summary>
    [Range(128, 0xFFFFFF, ErrorMessage = "StreamHub:Rtmp:MaxChunkSize must be between 128 and 16777215.")]
    public int MaxChunkSize { get; set; } = 0xFFFFFF;

    /// <summary>Most chunk streams one connection may open.</summary>
    [Range(4, 65599, ErrorMessage = "StreamHub:Rtmp:MaxChunkStreams must be between 4 and 65599.")]
    public int MaxChunkStreams { get; set; } = 64;

    /// <summary>Deepest AMF nesting (objects in objects) accepted.</summary>
    [Range(2, 256, ErrorMessage = "StreamHub:Rtmp:MaxAmfDepth must be between 2 and 256.")]
    public int MaxAmfDepth { get; set; } = 16;

    /// <summary>Window Acknowledgement Size announced to the peer.</summary>
    [Range(4096, int.MaxValue, ErrorMessage = "StreamHub:Rtmp:WindowAckSize must be at least 4096.")]
    public int WindowAckSize { get; set; } = 2_500_000;

    /// <summary>A handshake not finished within this many seconds is closed.</summary>
    [Range(1, 300, ErrorMessage = "StreamHub:Rtmp:HandshakeTimeoutSeconds must be between 1 and 300.")]
    public int HandshakeTimeoutSeconds { get; set; } = 10;

    /// <summary>A connection that sends nothing for this many seconds is closed (within one more second).</summary>
    [Range(1, 3600, ErrorMessage = "StreamHub:Rtmp:IdleTimeoutSeconds must be between 1 and 3600.")]
    public int IdleTimeoutSeconds { get; set; } = 10;

    /// <summary>A message must arrive whole within this many seconds of its first chunk; a peer that starts messages and
    /// never finishes them (keeping the connection alive with pings) is closed.</summary>
    [Range(1, 300, ErrorMessage = "StreamHub:Rtmp:PartialMessageTimeoutSeconds must be between 1 and 300.")]
    public int PartialMessageTimeoutSeconds { get; set; } = 10;

    /// <summary>A write the peer does not take (its receive window stays full) for this many seconds closes the
    /// connection.</summary>
    [Range(1, 300, ErrorMessage = "StreamHub:Rtmp:WriteTimeoutSeconds must be between 1 and 300.")]
    public int WriteTimeoutSeconds { get; set; } = 10;

    /// <summary>Accept RTMPT (RTMP tunnelled in HTTP POSTs: /open, /send, /idle, /close) on the HTTP and HTTPS
    /// listeners, for encoders behind proxies that pass only HTTP.</summary>
    public bool AcceptTunnel { get; set; } = true;

    /// <summary>Accept RTMPE (C0 = 6: Diffie-Hellman in the handshake, then RC4) wherever RTMP is accepted: the RTMP port,
    /// RTMP sniffed on the web ports, and inside RTMPT (RTMPTE). Off, a C0 of 6 is refused like any unknown version.
    /// RTMPE is obfuscation, not security: RTMPS is the secure choice.</summary>
    public bool AcceptRtmpe { get; set; } = true;

    /// <summary>Run each RTMP connection's reads, parsing and HLS packaging on the socket thread that completed the
    /// read instead of handing them to the thread pool (plain RTMP port only); see <see cref="Hosting.RtmpTransportFactory"/>.
    /// Turn it off only to compare.</summary>
    public bool InlineScheduling { get; set; } = true;

    /// <summary>Plain RTMP connections on the RTMP port write straight to their socket: one gathered send per flush,
    /// a player's media frames by reference to the chunks all players share (see <see cref="Hosting.RtmpSocketOutput"/>),
    /// instead of a copy into Kestrel's output pipe and a hand-off to its send loop. RTMPS, RTMPT and RTMP on the web
    /// ports keep the pipe. Turn it off only to compare.</summary>
    public bool SocketOutput { get; set; } = true;

    /// <summary>The sends a frame makes to the players of a stream on the RTMP port go to the kernel in one io_uring
    /// submission, not one sendmsg call each (Linux; see <see cref="Hosting.SendRing"/>). Where io_uring is refused
    /// (an old kernel, a container's seccomp profile, <c>kernel.io_uring_disabled</c>) the sends are direct, and the
    /// start-up log says why. Needs <see cref="SocketOutput"/>.</summary>
    public bool BatchedSends { get; set; } = true;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (MaxCommandSize > MaxMessageSize)
        {
            yield return new ValidationResult(
                $"StreamHub:Rtmp:MaxCommandSize ({MaxCommandSize}) must not be larger than StreamHub:Rtmp:MaxMessageSize ({MaxMessageSize}).",
                [nameof(MaxCommandSize)]);
        }
    }
}
