namespace StreamHub.Rtmp.Handshake;

/// <summary>How the server answered C1.</summary>
public enum HandshakeScheme : byte
{
    /// <summary>Plain handshake: S1 version zero, S2 echoes C1.</summary>
    Simple,

    /// <summary>Digest handshake, offset bytes at 8..11 and the digest in the first half.</summary>
    Digest0,

    /// <summary>Digest handshake, offset bytes at 772..775 and the digest in the second half.</summary>
    Digest1,
}
