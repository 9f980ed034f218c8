using System.Buffers;
using System.Buffers.Binary;
using System.Numerics;
using StreamHub.Rtmp.Encryption;

namespace StreamHub.Rtmp.Handshake;

/// <summary>The RTMPE handshake (C0 = 6): the digest handshake (<see cref="HandshakeDigest"/>) with each side's
/// Diffie-Hellman public key inside its 1536-byte packet, at an offset computed from four bytes of that packet, in the
/// half the digest is not in (librtmp handshake.h GetDHOffset1/2; Wowza computes the same):
/// <code>
/// scheme 0: digest at (sum(8..11) % 728) + 12       DH key at (sum(1532..1535) % 632) + 772
/// scheme 1: digest at (sum(772..775) % 728) + 776   DH key at (sum(768..771) % 632) + 8
/// S0 = 6, S1 = time(4) version(4) random with the server's DH key, signed; S2 = random signed against C1's digest
/// </code>
/// The key is written first and the digest computed over it. S0..S2 go out in the clear; from C2 on (client) and after
/// S2 (server) every byte is RC4 (<see cref="RtmpeKeys"/>). librtmp sends scheme 1; a client's scheme is found by
/// checking its digest, and S1 answers in the same scheme.</summary>
public static class RtmpeHandshake
{
    public const byte RtmpeVersion = 6;

    /// <summary>What S1's version field says (librtmp's server sends 3.5.1.1; any nonzero value marks a digest S1).</summary>
    private static ReadOnlySpan<byte> ServerVersion => [3, 5, 1, 1];

    /// <summary>What librtmp puts in an RTMPE C1's version field: 128.0.3.2.</summary>
    private static ReadOnlySpan<byte> ClientVersion => [128, 0, 3, 2];

    /// <summary>Where the DH public key sits in a 1536-byte packet under <paramref name="scheme"/>.</summary>
    public static int DhOffset(ReadOnlySpan<byte> packet, HandshakeScheme scheme)
    {
        var start = scheme == HandshakeScheme.Digest0 ? 1532 : 768;
        var sum = packet[start] + packet[start + 1] + packet[start + 2] + packet[start + 3];
        return sum % 632 + (scheme == HandshakeScheme.Digest0 ? 772 : 8);
    }

    /// <summary>Answers C1 with S0, S1 and S2 (3073 bytes) and returns the connection's ciphers, ready for the first byte
    /// after C2. <paramref name="random"/> (1528 bytes) fills S1 and S2 and <paramref name="privateKey"/> is the
    /// server's DH exponent, so the output is deterministic under test.
    /// A C1 without a valid digest under either scheme, or with a public key outside [2, p-2], is refused with
    /// <see cref="RtmpProtocolException"/>.</summary>
    public static (Rc4 Receive, Rc4 Send, HandshakeScheme Scheme) WriteS0S1S2(IBufferWriter<byte> output, ReadOnlySpan<byte> c1,
        uint serverTime, ReadOnlySpan<byte> random, BigInteger privateKey)
    {
        const int size = HandshakeDigest.PacketSize;
        var scheme = ClientScheme(c1, out var clientDigestOffset);
        var clientKey = c1.Slice(DhOffset(c1, scheme), RtmpeDiffieHellman.KeySize);
        Span<byte> secret = stackalloc byte[RtmpeDiffieHellman.KeySize];
        if (!RtmpeDiffieHellman.TryComputeSharedSecret(privateKey, clientKey, secret))
        {
            RtmpThrow.ProtocolError(RtmpError.InvalidRtmpeKey, "RTMPE C1 carries a Diffie-Hellman public key outside [2, p-2]");
        }

        var span = output.GetSpan(1 + 2 * size)[..(1 + 2 * size)];
        span[0] = RtmpeVersion;
        var s1 = span.Slice(1, size);
        var s2 = span.Slice(1 + size, size);
        BinaryPrimitives.WriteUInt32BigEndian(s1, serverTime);
        ServerVersion.CopyTo(s1[4..]);
        random[..(size - 8)].CopyTo(s1[8..]);
        var serverKey = s1.Slice(DhOffset(s1, scheme), RtmpeDiffieHellman.KeySize);
        RtmpeDiffieHellman.WritePublicKey(privateKey, serverKey);
        HandshakeDigest.SignServerPacket(s1, scheme);

        random[..(size - 8)].CopyTo(s2);
        random[..8].CopyTo(s2[(size - 8)..]);
        HandshakeDigest.SignResponse(s2, c1.Slice(clientDigestOffset, HandshakeDigest.DigestSize));

        var (receive, send) = RtmpeKeys.CreateCiphers(secret, serverKey, clientKey);
        output.Advance(1 + 2 * size);
        return (receive, send, scheme);
    }

    /// <summary>Fills an RTMPE C1 as librtmp does: time zero, version 128.0.3.2, <paramref name="random"/> (1528 bytes),
    /// the client's DH public key for <paramref name="privateKey"/> at the scheme's offset, then the client digest.
    /// Returns where the key is.</summary>
    public static int WriteC1(Span<byte> c1, HandshakeScheme scheme, ReadOnlySpan<byte> random, BigInteger privateKey)
    {
        const int size = HandshakeDigest.PacketSize;
        BinaryPrimitives.WriteUInt32BigEndian(c1, 0);
        ClientVersion.CopyTo(c1[4..]);
        random[..(size - 8)].CopyTo(c1[8..size]);
        var keyOffset = DhOffset(c1, scheme);
        RtmpeDiffieHellman.WritePublicKey(privateKey, c1.Slice(keyOffset, RtmpeDiffieHellman.KeySize));
        HandshakeDigest.SignClientPacket(c1, scheme);
        return keyOffset;
    }

    /// <summary>The client's side once S1 is in: the ciphers from its own key (in C1 at <paramref name="c1KeyOffset"/>)
    /// and the server's key in <paramref name="s1"/>; null when S1 has no valid server digest or a bad key.</summary>
    public static (Rc4 Receive, Rc4 Send)? ClientCiphers(ReadOnlySpan<byte> c1, int c1KeyOffset, ReadOnlySpan<byte> s1, BigInteger privateKey)
    {
        foreach (var scheme in (ReadOnlySpan<HandshakeScheme>)[HandshakeScheme.Digest1, HandshakeScheme.Digest0])
        {
            if (!HandshakeDigest.IsValidServerDigest(s1, scheme))
            {
                continue;
            }
            var serverKey = s1.Slice(DhOffset(s1, scheme), RtmpeDiffieHellman.KeySize);
            Span<byte> secret = stackalloc byte[RtmpeDiffieHellman.KeySize];
            if (!RtmpeDiffieHellman.TryComputeSharedSecret(privateKey, serverKey, secret))
            {
                return null;
            }
            return RtmpeKeys.CreateCiphers(secret, c1.Slice(c1KeyOffset, RtmpeDiffieHellman.KeySize), serverKey);
        }
        return null;
    }

    /// <summary>The scheme whose digest C1 carries: scheme 1 first (what librtmp sends), then scheme 0.</summary>
    private static HandshakeScheme ClientScheme(ReadOnlySpan<byte> c1, out int digestOffset)
    {
        if (HandshakeDigest.IsValidClientDigest(c1, HandshakeScheme.Digest1, out digestOffset))
        {
            return HandshakeScheme.Digest1;
        }
        if (HandshakeDigest.IsValidClientDigest(c1, HandshakeScheme.Digest0, out digestOffset))
        {
            return HandshakeScheme.Digest0;
        }
        return RtmpThrow.ProtocolError<HandshakeScheme>(RtmpError.InvalidRtmpeDigest, "RTMPE C1 carries no valid client digest under either scheme");
    }
}
