namespace StreamHub.Rtmp;

/// <summary>What a peer broke. One value per distinct violation, so the closing log line says exactly what happened.</summary>
public enum RtmpError
{
    /// <summary>C0 asked for a version other than 3 and 6 (RTMPE): 8 and 9 (RTMPE with XTEA or Blowfish signatures) are
    /// not served, nor 6 when <see cref="RtmpOptions.AcceptRtmpe"/> is off; or, to the client, S0 answered with one.</summary>
    UnsupportedVersion,

    /// <summary>An RTMPE C1 whose Diffie-Hellman public key lies outside [2, p-2] (0, 1, p-1 or not below p).</summary>
    InvalidRtmpeKey,

    /// <summary>An RTMPE C1 with no valid client digest under either scheme: without it the key cannot be found.</summary>
    InvalidRtmpeDigest,

    /// <summary>The handshake did not finish within <see cref="RtmpOptions.HandshakeTimeoutSeconds"/>.</summary>
    HandshakeTimeout,

    /// <summary>Nothing arrived for <see cref="RtmpOptions.IdleTimeoutSeconds"/>.</summary>
    IdleTimeout,

    /// <summary>A message begun more than <see cref="RtmpOptions.PartialMessageTimeoutSeconds"/> ago is still not whole.</summary>
    PartialMessageTimeout,

    /// <summary>The peer took nothing of what was written to it for <see cref="RtmpOptions.WriteTimeoutSeconds"/>.</summary>
    WriteTimeout,

    /// <summary>A chunk header announced a message longer than its limit: <see cref="RtmpOptions.MaxMessageSize"/> for
    /// audio and video once publishing, <see cref="RtmpOptions.MaxCommandSize"/> for everything else and for any
    /// message before publish.</summary>
    MessageTooLarge,

    /// <summary>Set Chunk Size of 0, with bit 31 set, or above <see cref="RtmpOptions.MaxChunkSize"/>.</summary>
    InvalidChunkSize,

    /// <summary>More chunk stream ids than <see cref="RtmpOptions.MaxChunkStreams"/>.</summary>
    TooManyChunkStreams,

    /// <summary>Partial messages on many chunk streams at once would hold more than twice
    /// <see cref="RtmpOptions.MaxMessageSize"/> in reassembly buffers.</summary>
    TooMuchBuffered,

    /// <summary>A chunk of format 2 or 3 on a chunk stream that never carried a format 0 or 1 header.</summary>
    MissingChunkHeader,

    /// <summary>A protocol control or user control message with a payload of the wrong size.</summary>
    MalformedControlMessage,

    /// <summary>AMF data that ends early or holds a value that cannot be read.</summary>
    MalformedAmf,

    /// <summary>AMF objects nested deeper than <see cref="RtmpOptions.MaxAmfDepth"/>.</summary>
    AmfTooDeep,

    /// <summary>A command or data message holding more AMF values than <see cref="RtmpOptions.MaxAmfValues"/>.</summary>
    TooManyAmfValues,

    /// <summary>An AMF marker this server does not read (reserved markers, AMF3 values beyond the command subset).</summary>
    UnsupportedAmfType,

    /// <summary>A command message without its name or transaction id, or a command out of order.</summary>
    MalformedCommand,

    /// <summary>An audio or video message too short for its FLV tag header.</summary>
    MalformedMedia,
}
