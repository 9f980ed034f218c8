using StreamHub.Diagnostics;

namespace StreamHub.Live;

/// <summary>Who publishes a stream: for logs, stats and the dashboard. Never the stream key.</summary>
/// <param name="ConnectionId">The transport connection id, as in the connection's log lines.</param>
/// <param name="RemoteAddress">The encoder's address and port.</param>
/// <param name="Encoder">What the encoder says it is (connect's flashVer, or onMetaData's encoder).</param>
public sealed record PublisherInfo(string ConnectionId, string RemoteAddress, string? Encoder)
{
    /// <summary>Escaped and cut (<see cref="PeerText"/>): the peer chose it, and it is logged and shown.</summary>
    public string? Encoder { get; init; } = PeerText.Sanitize(Encoder);

    /// <summary>The stream's own HLS settings, as its key's record held them when this publish was admitted.</summary>
    public Hls.StreamHlsSettings Hls { get; init; }

    /// <summary>The stream record and key issue that admitted this publish; null when no key store decided it.</summary>
    public StreamKeys.KeyVersion? Key { get; init; }
}
