using StreamHub.Rtmp.Handshake;

namespace StreamHub.Rtmp.Client;

/// <summary>The packets of a finished handshake: the C1 sent, the S1 and S2 received (1536 bytes each), for callers
/// that check the server's digests.</summary>
public sealed record HandshakeExchange(HandshakeScheme Scheme, byte[] C1, byte[] S1, byte[] S2);
