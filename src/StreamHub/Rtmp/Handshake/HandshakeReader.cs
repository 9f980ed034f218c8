using System.Buffers;
using System.Diagnostics.CodeAnalysis;

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
    public static bool TryReadC0C1(ref ReadOnlySequence<byte> buffer, Span<byte> c1) =>
        TryReadC0C1(ref buffer, c1, acceptRtmpe: false, out _);

    /// <summary>Reads C0 and C1 into <paramref name="c1"/> (1536 bytes), and C0 into <paramref name="version"/>: 3, or
    /// 6 (RTMPE) when <paramref name="acceptRtmpe"/>. False, consuming nothing, until all 1537 bytes are there; any other
    /// version is refused as soon as C0 arrives, 8 and 9 (RTMPE with XTEA or Blowfish signatures) by name.</summary>
    public static bool TryReadC0C1(ref ReadOnlySequence<byte> buffer, Span<byte> c1, bool acceptRtmpe, out byte version)
    {
        // FirstSpan may be an empty first segment
        if (!new SequenceReader<byte>(buffer).TryPeek(out version))
        {
            return false;
        }
        if (version != RtmpVersion && !(version == RtmpeHandshake.RtmpeVersion && acceptRtmpe))
        {
            RefuseVersion(version, acceptRtmpe);
        }
        if (buffer.Length < 1 + HandshakeDigest.PacketSize)
        {
            return false;
        }
        buffer.Slice(1, HandshakeDigest.PacketSize).CopyTo(c1);
        buffer = buffer.Slice(1 + HandshakeDigest.PacketSize);
        return true;
    }

    [DoesNotReturn]
    private static void RefuseVersion(byte version, bool acceptRtmpe) => RtmpThrow.ProtocolError(RtmpError.UnsupportedVersion, version switch
    {
        RtmpeHandshake.RtmpeVersion => "C0 version 6 (RTMPE) requested, and RTMPE is turned off (StreamHub:Rtmp:AcceptRtmpe)",
        8 or 9 => $"C0 version {version} (RTMPE with {(version == 8 ? "XTEA" : "Blowfish")} signatures) requested: not served, only 3 (RTMP) and 6 (RTMPE)",
        _ => $"C0 version {version} requested, only 3{(acceptRtmpe ? " and 6 (RTMPE) are" : " is")} served",
    });

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
