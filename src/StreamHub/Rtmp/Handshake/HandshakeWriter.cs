using System.Buffers;
using System.Buffers.Binary;

namespace StreamHub.Rtmp.Handshake;

/// <summary>Answers C1 the way a tolerant server does (PROTOCOL-NOTES §1):
/// C1 version zero → simple (S1 version zero so FFmpeg skips validation, S2 = C1); otherwise a valid scheme-0 then
/// scheme-1 client digest → the same scheme with a signed S1 and S2; no valid digest → simple.</summary>
public static class HandshakeWriter
{
    /// <summary>The version nginx-rtmp puts in a digest S1.</summary>
    private static ReadOnlySpan<byte> ServerVersion => [0x0D, 0x0E, 0x0A, 0x0D];

    /// <summary>Which answer C1 gets.</summary>
    public static HandshakeScheme ChooseScheme(ReadOnlySpan<byte> c1, out int clientDigestOffset)
    {
        clientDigestOffset = 0;
        if (BinaryPrimitives.ReadUInt32BigEndian(c1[4..]) == 0)
        {
            return HandshakeScheme.Simple;
        }
        if (HandshakeDigest.IsValidClientDigest(c1, HandshakeScheme.Digest0, out clientDigestOffset))
        {
            return HandshakeScheme.Digest0;
        }
        if (HandshakeDigest.IsValidClientDigest(c1, HandshakeScheme.Digest1, out clientDigestOffset))
        {
            return HandshakeScheme.Digest1;
        }
        return HandshakeScheme.Simple;
    }

    /// <summary>Writes S0, S1 and S2 (3073 bytes). <paramref name="random"/> supplies the 1528 filler bytes of S1
    /// (and S2 in the digest case), so the output is deterministic under test.</summary>
    public static HandshakeScheme WriteS0S1S2(IBufferWriter<byte> output, ReadOnlySpan<byte> c1, uint serverTime, ReadOnlySpan<byte> random)
    {
        const int size = HandshakeDigest.PacketSize;
        var scheme = ChooseScheme(c1, out var clientDigestOffset);
        var span = output.GetSpan(1 + 2 * size)[..(1 + 2 * size)];
        span[0] = HandshakeReader.RtmpVersion;
        var s1 = span.Slice(1, size);
        var s2 = span.Slice(1 + size, size);

        BinaryPrimitives.WriteUInt32BigEndian(s1, serverTime);
        random[..(size - 8)].CopyTo(s1[8..]);
        if (scheme == HandshakeScheme.Simple)
        {
            s1.Slice(4, 4).Clear();
            c1.CopyTo(s2);
        }
        else
        {
            ServerVersion.CopyTo(s1[4..]);
            HandshakeDigest.SignServerPacket(s1, scheme);
            random[..(size - 8)].CopyTo(s2);
            random[..8].CopyTo(s2[(size - 8)..]);
            HandshakeDigest.SignResponse(s2, c1.Slice(clientDigestOffset, HandshakeDigest.DigestSize));
        }
        output.Advance(1 + 2 * size);
        return scheme;
    }
}
