using System.Buffers;
using System.Numerics;
using System.Security.Cryptography;
using StreamHub.Rtmp;
using StreamHub.Rtmp.Encryption;
using StreamHub.Rtmp.Handshake;

namespace StreamHub.Tests.Rtmp.Handshake;

/// <summary>The RTMPE handshake with fixed inputs. The golden values were computed by an independent implementation
/// (Python: pow() for the DH group, hmac/hashlib, RC4 in a few lines) following librtmp's handshake.h.</summary>
public sealed class RtmpeHandshakeTests
{
    private const uint ServerTime = 0x01020304;
    private static readonly byte[] ClientRandom = Pattern(1528, 7, 3);
    private static readonly byte[] ServerRandom = Pattern(1528, 11, 1);
    private static readonly BigInteger ClientPrivate = PrivateKey(13, 5);
    private static readonly BigInteger ServerPrivate = PrivateKey(17, 9);

    [Theory]
    [InlineData(HandshakeScheme.Digest1, 230, 118, "220d9c0b980b3bab6e813ce71b5342f4f7d8ded3a95d6179359f9ac6e3d04a5f",
        "84eee0d5c2038cf5f79922a8926d6e89796c7df7ad6e56897c7c21c9d8ccedaf")]
    [InlineData(HandshakeScheme.Digest0, 882, 1338, "d29bd0c283a66624e9612c6e28837e40994534768f1862a3c999778a7247772a",
        "19898eb9c7035ed2ba04a4c8b9675af1d0ebb4c75324767458cb1ad2282ee694")]
    public void C1_and_the_answer_match_the_golden_bytes(HandshakeScheme scheme, int clientKeyOffset, int serverKeyOffset,
        string c1Sha256, string answerSha256)
    {
        var c1 = new byte[1536];
        Assert.Equal(clientKeyOffset, RtmpeHandshake.WriteC1(c1, scheme, ClientRandom, ClientPrivate));
        Assert.Equal(c1Sha256, Convert.ToHexStringLower(SHA256.HashData(c1)));

        var output = new ArrayBufferWriter<byte>();
        var (receive, send, answered) = RtmpeHandshake.WriteS0S1S2(output, c1, ServerTime, ServerRandom, ServerPrivate);
        Assert.Equal(scheme, answered);
        Assert.Equal(3073, output.WrittenCount);
        Assert.Equal(answerSha256, Convert.ToHexStringLower(SHA256.HashData(output.WrittenSpan)));
        var s1 = output.WrittenSpan.Slice(1, 1536);
        Assert.Equal(serverKeyOffset, RtmpeHandshake.DhOffset(s1, scheme));
        Assert.True(HandshakeDigest.IsValidServerDigest(s1, scheme));

        // Keystreams after the 1536-byte warm-up: server receives with HMAC(secret, server key), sends with
        // HMAC(secret, client key).
        Assert.Equal("93e5be0271e0c0f03b6c30f45b5b0ea2", Keystream(receive));
        Assert.Equal("4189c77fcb0fee5f3501239736841604", Keystream(send));
    }

    [Fact]
    public void Keys_are_derived_as_librtmp_derives_them()
    {
        var c1 = new byte[1536];
        var offset = RtmpeHandshake.WriteC1(c1, HandshakeScheme.Digest1, ClientRandom, ClientPrivate);
        var serverKey = new byte[128];
        RtmpeDiffieHellman.WritePublicKey(ServerPrivate, serverKey);
        var secret = new byte[128];
        Assert.True(RtmpeDiffieHellman.TryComputeSharedSecret(ServerPrivate, c1.AsSpan(offset, 128), secret));
        Assert.Equal("78021e443c837a63d90468b6f269e51fd50b90a52a0cc70c97ac3dbf1f2ccda1", Convert.ToHexStringLower(SHA256.HashData(secret)));
        var key = new byte[16];
        RtmpeKeys.Derive(secret, serverKey, key);
        Assert.Equal("616c136b5c29aaad3ec5039640be015b", Convert.ToHexStringLower(key));
        RtmpeKeys.Derive(secret, c1.AsSpan(offset, 128), key);
        Assert.Equal("96fa0168a6ab3fcd0dfb95c83e785cd6", Convert.ToHexStringLower(key));
    }

    [Theory]
    [InlineData(HandshakeScheme.Digest0)]
    [InlineData(HandshakeScheme.Digest1)]
    public void What_one_side_sends_the_other_deciphers(HandshakeScheme scheme)
    {
        var clientPrivate = RtmpeDiffieHellman.NewPrivateKey();
        var c1 = new byte[1536];
        var offset = RtmpeHandshake.WriteC1(c1, scheme, RandomNumberGenerator.GetBytes(1528), clientPrivate);
        var output = new ArrayBufferWriter<byte>();
        var server = RtmpeHandshake.WriteS0S1S2(output, c1, 0, RandomNumberGenerator.GetBytes(1528), RtmpeDiffieHellman.NewPrivateKey());
        var client = RtmpeHandshake.ClientCiphers(c1, offset, output.WrittenSpan.Slice(1, 1536), clientPrivate);
        Assert.NotNull(client);

        var message = "connect('live')"u8.ToArray();
        var wire = message.ToArray();
        client.Value.Send.Transform(wire);
        Assert.NotEqual(message, wire);
        server.Receive.Transform(wire);
        Assert.Equal(message, wire);

        server.Send.Transform(wire);
        client.Value.Receive.Transform(wire);
        Assert.Equal(message, wire);
    }

    [Fact]
    public void DH_offsets_follow_librtmp()
    {
        var packet = new byte[1536];
        packet.AsSpan(1532, 4).Fill(0xFF);   // 1020 % 632 = 388
        packet.AsSpan(768, 4).Fill(200);     // 800 % 632 = 168
        Assert.Equal(388 + 772, RtmpeHandshake.DhOffset(packet, HandshakeScheme.Digest0));
        Assert.Equal(168 + 8, RtmpeHandshake.DhOffset(packet, HandshakeScheme.Digest1));
    }

    [Theory]
    [InlineData("zero")]
    [InlineData("one")]
    [InlineData("p")]
    public void A_C1_with_a_key_outside_the_group_is_refused(string which)
    {
        var c1 = new byte[1536];
        var offset = RtmpeHandshake.WriteC1(c1, HandshakeScheme.Digest1, ClientRandom, ClientPrivate);
        var key = c1.AsSpan(offset, 128);
        key.Clear();
        switch (which)
        {
            case "one": key[127] = 1; break;
            case "p": RtmpeDiffieHellman.Prime.TryWriteBytes(key, out _, isUnsigned: true, isBigEndian: true); break;
        }
        HandshakeDigest.SignClientPacket(c1, HandshakeScheme.Digest1);   // a valid digest over the bad key
        var output = new ArrayBufferWriter<byte>();
        var ex = Assert.Throws<RtmpProtocolException>(() => RtmpeHandshake.WriteS0S1S2(output, c1, 0, ServerRandom, ServerPrivate));
        Assert.Equal(RtmpError.InvalidRtmpeKey, ex.Error);
        Assert.Equal(0, output.WrittenCount);
    }

    [Fact]
    public void A_C1_without_a_valid_digest_is_refused()
    {
        var c1 = new byte[1536];
        var offset = RtmpeHandshake.WriteC1(c1, HandshakeScheme.Digest1, ClientRandom, ClientPrivate);
        c1[HandshakeDigest.DigestOffset(c1, HandshakeScheme.Digest1)] ^= 1;
        var output = new ArrayBufferWriter<byte>();
        var ex = Assert.Throws<RtmpProtocolException>(() => RtmpeHandshake.WriteS0S1S2(output, c1, 0, ServerRandom, ServerPrivate));
        Assert.Equal(RtmpError.InvalidRtmpeDigest, ex.Error);
        Assert.Equal(0, output.WrittenCount);
        Assert.InRange(offset, 8, 767);
    }

    [Theory]
    [InlineData(6, true, null)]
    [InlineData(6, false, "turned off")]
    [InlineData(8, true, "XTEA")]
    [InlineData(9, true, "Blowfish")]
    [InlineData(3, false, null)]
    public void C0_6_is_read_when_RTMPE_is_on_and_8_and_9_are_refused_by_name(byte version, bool acceptRtmpe, string? refusal)
    {
        var bytes = new byte[1537];
        bytes[0] = version;
        var buffer = new ReadOnlySequence<byte>(bytes);
        if (refusal is null)
        {
            Assert.True(HandshakeReader.TryReadC0C1(ref buffer, new byte[1536], acceptRtmpe, out var read));
            Assert.Equal(version, read);
            return;
        }
        var ex = Assert.Throws<RtmpProtocolException>(() => HandshakeReader.TryReadC0C1(ref buffer, new byte[1536], acceptRtmpe, out _));
        Assert.Equal(RtmpError.UnsupportedVersion, ex.Error);
        Assert.Contains(refusal, ex.Message, StringComparison.Ordinal);
    }

    private static string Keystream(Rc4 rc4)
    {
        var bytes = new byte[16];
        rc4.Transform(bytes);
        return Convert.ToHexStringLower(bytes);
    }

    private static byte[] Pattern(int length, int multiplier, int add) =>
        Enumerable.Range(0, length).Select(i => (byte)((i * multiplier + add) & 0xFF)).ToArray();

    private static BigInteger PrivateKey(int multiplier, int add)
    {
        var bytes = Pattern(128, multiplier, add);
        bytes[0] &= 0x7F;
        return RtmpeDiffieHellman.PrivateKey(bytes);
    }
}
