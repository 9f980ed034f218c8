using System.Buffers;

namespace StreamHub.Rtmp.Handshake;

/// <summary>Reads the client's handshake packets (RTMP 1.0 §5.2).
/// <code>
/// C0: version(1) = 3
/// C1: time(4) zero-or-version(4) random(1528)
/// C2: time(4) time2(4) random echo(1528)      -- never verified
/// </code></summary>
public static class HandshakeReader
{
    public const byte RtmpVersion = 3;

    /// <summary>Reads C0 and C1 into <paramref name="c1"/> (1536 bytes). False, consuming nothing, until all 1537
    /// bytes are there; a version other than 3 is refused as soon as C0 arrives.</summary>
    public static bool TryReadC0C1(ref ReadOnlySequence<byte> buffer, Span<byte> c1)
    {
        if (buffer.IsEmpty)
        {
            return false;
        }
        new SequenceReader<byte>(buffer).TryPeek(out var version); // FirstSpan may be an empty first segment
        if (version != RtmpVersion)
        {
            RtmpThrow.ProtocolError(RtmpError.UnsupportedVersion, $"C0 version {version} requested, only 3 is served");
        }
        if (buffer.Length < 1 + HandshakeDigest.PacketSize)
        {
            return false;
        }
        buffer.Slice(1, HandshakeDigest.PacketSize).CopyTo(c1);
        buffer = buffer.Slice(1 + HandshakeDigest.PacketSize);
        return true;
    }

    /// <summary>Skips C2. False, consuming nothing, until all 1536 bytes are there.</summary>
    public static bool TryReadC2(ref ReadOnlySequence<byte> buffer)
    {
        if (buffer.Length < HandshakeDigest.PacketSize)
        {
            return false;
        }
        buffer = buffer.Slice(HandshakeDigest.PacketSize);
        return true;
    }
}
