using System.Buffers;
using System.Buffers.Binary;

namespace StreamHub.Rtmp.Handshake;

/// <summary>The client's side of the handshake (RTMP 1.0 §5.2): what it sends, and how it reads the server's answer.
/// <code>
/// C0: version(1) = 3                      S0: version(1) = 3
/// C1: time(4) version(4) random(1528)     S1: time(4) version(4) random(1528)
/// C2: echo of S1                          S2: echo of C1 (simple) or signed (digest)
/// </code>
/// A simple C1 carries version zero, so the server answers with the simple scheme; a digest C1 carries FFmpeg's
/// 9.0.124.2 and a client digest, as Flash Player and FFmpeg send it.</summary>
public static class ClientHandshake
{
    /// <summary>The version FFmpeg puts in a digest C1.</summary>
    private static ReadOnlySpan<byte> ClientVersion => [9, 0, 124, 2];

    /// <summary>Fills a 1536-byte C1: time zero, the version for <paramref name="scheme"/>, 1528 bytes of
    /// <paramref name="random"/>, and for a digest scheme the client digest signed in place.</summary>
    public static void WriteC1(Span<byte> c1, HandshakeScheme scheme, ReadOnlySpan<byte> random)
    {
        const int size = HandshakeDigest.PacketSize;
        BinaryPrimitives.WriteUInt32BigEndian(c1, 0);
        random[..(size - 8)].CopyTo(c1[8..size]);
        if (scheme == HandshakeScheme.Simple)
        {
            c1.Slice(4, 4).Clear();
            return;
        }
        ClientVersion.CopyTo(c1[4..]);
        HandshakeDigest.SignClientPacket(c1, scheme);
    }

    /// <summary>Reads S0, S1 and S2 into <paramref name="s1"/> and <paramref name="s2"/> (1536 bytes each). False,
    /// consuming nothing, until all 3073 bytes are there; a version other than 3 is refused as soon as S0 arrives
    /// (an HTTP or TLS server answers with 'H' or 0x15/0x16).</summary>
    public static bool TryReadS0S1S2(ref ReadOnlySequence<byte> buffer, Span<byte> s1, Span<byte> s2)
    {
        const int size = HandshakeDigest.PacketSize;
        // Peeked through a reader: a sequence may start with an empty segment.
        if (!new SequenceReader<byte>(buffer).TryPeek(out var version))
        {
            return false;
        }
        if (version != HandshakeReader.RtmpVersion)
        {
            RtmpThrow.ProtocolError(RtmpError.UnsupportedVersion, $"S0 version {version} answered, only 3 is spoken");
        }
        if (buffer.Length < 1 + 2 * size)
        {
            return false;
        }
        buffer.Slice(1, size).CopyTo(s1);
        buffer.Slice(1 + size, size).CopyTo(s2);
        buffer = buffer.Slice(1 + 2 * size);
        return true;
    }
}
