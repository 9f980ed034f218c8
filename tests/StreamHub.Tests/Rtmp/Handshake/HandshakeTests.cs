using System.Buffers;
using System.Security.Cryptography;
using StreamHub.Rtmp;
using StreamHub.Rtmp.Handshake;
using StreamHub.Tests.Infrastructure;

namespace StreamHub.Tests.Rtmp.Handshake;

public sealed class HandshakeTests
{
    private static byte[] C1(bool zeroVersion, int seed = 1)
    {
        var c1 = new byte[1536];
        new Random(seed).NextBytes(c1);
        if (zeroVersion)
        {
            c1.AsSpan(4, 4).Clear();
        }
        else
        {
            c1[4] = 9; c1[5] = 0; c1[6] = 124; c1[7] = 2;
        }
        return c1;
    }

    /// <summary>Independent digest: HMAC over the packet with the 32 bytes at <paramref name="offset"/> cut out.</summary>
    private static byte[] ReferenceDigest(byte[] packet, int offset, byte[] key) =>
        HMACSHA256.HashData(key, packet.Take(offset).Concat(packet.Skip(offset + 32)).ToArray());

    private static readonly byte[] ClientText = "Genuine Adobe Flash Player 001"u8.ToArray();
    private static readonly byte[] ServerText = "Genuine Adobe Flash Media Server 001"u8.ToArray();

    [Fact]
    public void Digest_offsets_follow_the_scheme_formulas()
    {
        var packet = new byte[1536];
        packet[8] = 1; packet[9] = 2; packet[10] = 3; packet[11] = 4;               // sum 10
        packet[772] = 200; packet[773] = 200; packet[774] = 200; packet[775] = 200; // sum 800
        Assert.Equal(10 % 728 + 12, HandshakeDigest.DigestOffset(packet, HandshakeScheme.Digest0));
        Assert.Equal(800 % 728 + 776, HandshakeDigest.DigestOffset(packet, HandshakeScheme.Digest1));
        packet.AsSpan(8, 4).Fill(0xFF);                                              // sum 1020 → 292 + 12
        Assert.Equal(304, HandshakeDigest.DigestOffset(packet, HandshakeScheme.Digest0));
    }

    [Fact]
    public void Keys_are_the_texts_followed_by_the_shared_constant()
    {
        Assert.Equal(62, HandshakeDigest.ClientKey.Length);
        Assert.Equal(68, HandshakeDigest.ServerKey.Length);
        Assert.Equal(ClientText, HandshakeDigest.ClientKey[..30].ToArray());
        Assert.Equal(ServerText, HandshakeDigest.ServerKey[..36].ToArray());
        Assert.Equal(new byte[] { 0xF0, 0xEE, 0xC2, 0x4A }, HandshakeDigest.ServerKey[36..40].ToArray());
        Assert.Equal(new byte[] { 0xCF, 0xEB, 0x31, 0xAE }, HandshakeDigest.ClientKey[58..].ToArray());
    }

    [Fact]
    public void Simple_C1_gets_S1_with_zero_version_and_S2_echoing_C1()
    {
        var c1 = C1(zeroVersion: true);
        var output = new ArrayBufferWriter<byte>();
        var scheme = HandshakeWriter.WriteS0S1S2(output, c1, 0x01020304, new byte[1528]);

        Assert.Equal(HandshakeScheme.Simple, scheme);
        var bytes = output.WrittenSpan.ToArray();
        Assert.Equal(3073, bytes.Length);
        Assert.Equal(3, bytes[0]);
        Assert.Equal(new byte[] { 1, 2, 3, 4, 0, 0, 0, 0 }, bytes[1..9]);
        Assert.Equal(c1, bytes[1537..]);
    }

    [Theory]
    [InlineData(HandshakeScheme.Digest0)]
    [InlineData(HandshakeScheme.Digest1)]
    public void Digest_C1_is_answered_in_the_same_scheme_with_signed_S1_and_S2(HandshakeScheme clientScheme)
    {
        var c1 = C1(zeroVersion: false, seed: (int)clientScheme);
        var clientOffset = HandshakeDigest.DigestOffset(c1, clientScheme);
        ReferenceDigest(c1, clientOffset, ClientText).CopyTo(c1, clientOffset);
        var random = new byte[1528];
        new Random(3).NextBytes(random);
        var output = new ArrayBufferWriter<byte>();

        var scheme = HandshakeWriter.WriteS0S1S2(output, c1, 0, random);

        Assert.Equal(clientScheme, scheme);
        var s1 = output.WrittenSpan[1..1537].ToArray();
        var s2 = output.WrittenSpan[1537..].ToArray();
        Assert.Equal(new byte[] { 0x0D, 0x0E, 0x0A, 0x0D }, s1[4..8]);
        var serverOffset = HandshakeDigest.DigestOffset(s1, clientScheme);
        Assert.Equal(ReferenceDigest(s1, serverOffset, ServerText), s1[serverOffset..(serverOffset + 32)]);
        var s2Key = HMACSHA256.HashData(HandshakeDigest.ServerKey.ToArray(), c1[clientOffset..(clientOffset + 32)]);
        Assert.Equal(HMACSHA256.HashData(s2Key, s2[..1504]), s2[1504..]);
    }

    [Fact]
    public void Non_zero_version_without_a_valid_digest_falls_back_to_simple()
    {
        var c1 = C1(zeroVersion: false);
        var output = new ArrayBufferWriter<byte>();
        Assert.Equal(HandshakeScheme.Simple, HandshakeWriter.WriteS0S1S2(output, c1, 0, new byte[1528]));
        Assert.Equal(new byte[4], output.WrittenSpan[5..9].ToArray());
        Assert.Equal(c1, output.WrittenSpan[1537..].ToArray());
    }

    [Fact]
    public void Every_truncated_C0C1_returns_false_and_consumes_nothing()
    {
        var input = new byte[] { 3 }.Concat(C1(true)).ToArray();
        var c1 = new byte[1536];
        for (var length = 0; length < input.Length; length += length < 20 ? 1 : 97)
        {
            var buffer = new ReadOnlySequence<byte>(input, 0, length);
            Assert.False(HandshakeReader.TryReadC0C1(ref buffer, c1));
            Assert.Equal(length, buffer.Length);
        }
    }

    [Fact]
    public void C0C1_split_across_segments_is_read_and_sliced()
    {
        var expected = C1(true);
        var input = new byte[] { 3 }.Concat(expected).Concat(new byte[] { 0xAA }).ToArray();
        foreach (var segment in new[] { 1, 7, 512, 1536 })
        {
            var buffer = TestSequenceSegment.Split(input, segment);
            var c1 = new byte[1536];
            Assert.True(HandshakeReader.TryReadC0C1(ref buffer, c1));
            Assert.Equal(expected, c1);
            Assert.Equal(1, buffer.Length);
        }
    }

    [Fact]
    public void C0_behind_an_empty_first_segment_is_read()
    {
        var expected = C1(true);
        var buffer = TestSequenceSegment.Create([], [3], expected);
        var c1 = new byte[1536];

        Assert.True(HandshakeReader.TryReadC0C1(ref buffer, c1));
        Assert.Equal(expected, c1);
        var refused = TestSequenceSegment.Create([], [6]);
        Assert.Equal(RtmpError.UnsupportedVersion, Assert.Throws<RtmpProtocolException>(() => HandshakeReader.TryReadC0C1(ref refused, new byte[1536])).Error);
    }

    [Theory]
    [InlineData(6)]
    [InlineData(8)]
    [InlineData(0x47)]
    public void Versions_other_than_3_are_refused(byte version)
    {
        var buffer = new ReadOnlySequence<byte>(new[] { version });
        var ex = Assert.Throws<RtmpProtocolException>(() => HandshakeReader.TryReadC0C1(ref buffer, new byte[1536]));
        Assert.Equal(RtmpError.UnsupportedVersion, ex.Error);
    }

    [Fact]
    public void C2_is_skipped_only_when_complete()
    {
        var partial = new ReadOnlySequence<byte>(new byte[1535]);
        Assert.False(HandshakeReader.TryReadC2(ref partial));
        Assert.Equal(1535, partial.Length);
        var whole = TestSequenceSegment.SplitAt(new byte[1540], 800);
        Assert.True(HandshakeReader.TryReadC2(ref whole));
        Assert.Equal(4, whole.Length);
    }
}
