using System.Security.Cryptography;

namespace StreamHub.Rtmp.Handshake;

/// <summary>The HMAC-SHA256 digests of the "complex" handshake (not in the RTMP 1.0 spec; FFmpeg rtmpproto.c,
/// nginx-rtmp ngx_rtmp_handshake.c).
/// <code>
/// scheme 0:  time(4) version(4) offset(4)...digest at (sum(bytes 8..11) % 728) + 12 ...
/// scheme 1:  time(4) version(4) ... offset(4) at 772..775, digest at (sum(bytes 772..775) % 728) + 776
/// </code>
/// The digest covers the 1536-byte packet without its own 32 bytes.</summary>
public static class HandshakeDigest
{
    public const int PacketSize = 1536;
    public const int DigestSize = 32;

    private static ReadOnlySpan<byte> SharedConstant =>
    [
        0xF0, 0xEE, 0xC2, 0x4A, 0x80, 0x68, 0xBE, 0xE8, 0x2E, 0x00, 0xD0, 0xD1, 0x02, 0x9E, 0x7E, 0x57,
        0x6E, 0xEC, 0x5D, 0x2D, 0x29, 0x80, 0x6F, 0xAB, 0x93, 0xB8, 0xE6, 0x36, 0xCF, 0xEB, 0x31, 0xAE,
    ];

    private static readonly byte[] ClientKeyBytes = [.. "Genuine Adobe Flash Player 001"u8, .. SharedConstant];
    private static readonly byte[] ServerKeyBytes = [.. "Genuine Adobe Flash Media Server 001"u8, .. SharedConstant];

    /// <summary>"Genuine Adobe Flash Player 001" + the constant (62 bytes); C1 digests use the first 30.</summary>
    public static ReadOnlySpan<byte> ClientKey => ClientKeyBytes;

    /// <summary>"Genuine Adobe Flash Media Server 001" + the constant (68 bytes); S1 digests use the first 36.</summary>
    public static ReadOnlySpan<byte> ServerKey => ServerKeyBytes;

    /// <summary>Where the digest sits in a 1536-byte packet under <paramref name="scheme"/>.</summary>
    public static int DigestOffset(ReadOnlySpan<byte> packet, HandshakeScheme scheme)
    {
        var start = scheme == HandshakeScheme.Digest0 ? 8 : 772;
        var sum = packet[start] + packet[start + 1] + packet[start + 2] + packet[start + 3];
        return sum % 728 + start + 4;
    }

    /// <summary>HMAC-SHA256 with <paramref name="key"/> over <paramref name="packet"/> minus the 32 bytes at
    /// <paramref name="digestOffset"/>.</summary>
    public static void Compute(ReadOnlySpan<byte> packet, int digestOffset, ReadOnlySpan<byte> key, Span<byte> digest)
    {
        Span<byte> message = stackalloc byte[PacketSize - DigestSize];
        packet[..digestOffset].CopyTo(message);
        packet[(digestOffset + DigestSize)..].CopyTo(message[digestOffset..]);
        HMACSHA256.HashData(key, message, digest);
    }

    /// <summary>True when C1 carries a valid client digest under <paramref name="scheme"/>.</summary>
    public static bool IsValidClientDigest(ReadOnlySpan<byte> c1, HandshakeScheme scheme, out int digestOffset)
    {
        digestOffset = DigestOffset(c1, scheme);
        Span<byte> expected = stackalloc byte[DigestSize];
        Compute(c1, digestOffset, ClientKey[..30], expected);
        return CryptographicOperations.FixedTimeEquals(expected, c1.Slice(digestOffset, DigestSize));
    }

    /// <summary>True when S1 carries a valid server digest under <paramref name="scheme"/>.</summary>
    public static bool IsValidServerDigest(ReadOnlySpan<byte> s1, HandshakeScheme scheme)
    {
        var digestOffset = DigestOffset(s1, scheme);
        Span<byte> expected = stackalloc byte[DigestSize];
        Compute(s1, digestOffset, ServerKey[..36], expected);
        return CryptographicOperations.FixedTimeEquals(expected, s1.Slice(digestOffset, DigestSize));
    }

    /// <summary>Signs a 1536-byte C1 in place under <paramref name="scheme"/> with the 30-byte client text, as Flash
    /// Player and FFmpeg do.</summary>
    public static void SignClientPacket(Span<byte> c1, HandshakeScheme scheme)
    {
        var offset = DigestOffset(c1, scheme);
        Compute(c1, offset, ClientKey[..30], c1.Slice(offset, DigestSize));
    }

    /// <summary>Signs a 1536-byte packet in place under <paramref name="scheme"/> with the 36-byte server text.</summary>
    public static void SignServerPacket(Span<byte> s1, HandshakeScheme scheme)
    {
        var offset = DigestOffset(s1, scheme);
        Compute(s1, offset, ServerKey[..36], s1.Slice(offset, DigestSize));
    }

    /// <summary>S2's last 32 bytes: HMAC(HMAC(68-byte server key, C1 digest), S2[0..1503]).</summary>
    public static void SignResponse(Span<byte> s2, ReadOnlySpan<byte> peerDigest)
    {
        Span<byte> key = stackalloc byte[DigestSize];
        HMACSHA256.HashData(ServerKey, peerDigest, key);
        HMACSHA256.HashData(key, s2[..(PacketSize - DigestSize)], s2[(PacketSize - DigestSize)..]);
    }
}
