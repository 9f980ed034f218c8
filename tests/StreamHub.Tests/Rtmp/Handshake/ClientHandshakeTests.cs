using System.Buffers;
using System.Buffers.Binary;
using StreamHub.Rtmp;
using StreamHub.Rtmp.Handshake;
using StreamHub.Tests.Infrastructure;

namespace StreamHub.Tests.Rtmp.Handshake;

/// <summary>The client's handshake packets, checked against the server's own reading of them.</summary>
public sealed class ClientHandshakeTests
{
    private static byte[] Random1528(int seed)
    {
        var random = new byte[1528];
        new Random(seed).NextBytes(random);
        return random;
    }

    [Fact]
    public void A_simple_C1_has_time_and_version_zero_and_gets_the_simple_answer()
    {
        var c1 = new byte[1536];
        var random = Random1528(1);
        ClientHandshake.WriteC1(c1, HandshakeScheme.Simple, random);

        Assert.Equal(0u, BinaryPrimitives.ReadUInt64BigEndian(c1));
        Assert.Equal(random, c1[8..]);
        Assert.Equal(HandshakeScheme.Simple, HandshakeWriter.ChooseScheme(c1, out _));
    }

    [Theory]
    [InlineData(HandshakeScheme.Digest0)]
    [InlineData(HandshakeScheme.Digest1)]
    public void A_digest_C1_carries_FFmpegs_version_and_a_client_digest_the_server_accepts(HandshakeScheme scheme)
    {
        var c1 = new byte[1536];
        ClientHandshake.WriteC1(c1, scheme, Random1528(2));

        Assert.Equal(new byte[] { 9, 0, 124, 2 }, c1[4..8]);
        Assert.True(HandshakeDigest.IsValidClientDigest(c1, scheme, out _));
        Assert.Equal(scheme, HandshakeWriter.ChooseScheme(c1, out _));
    }

    [Fact]
    public void S0_S1_S2_split_across_segments_are_read_and_what_follows_is_left()
    {
        var answer = Answer(out var s1, out var s2);
        byte[] input = [.. answer, 0x02, 0x00];
        var buffer = TestSequenceSegment.Split(input, 700);
        var readS1 = new byte[1536];
        var readS2 = new byte[1536];

        Assert.True(ClientHandshake.TryReadS0S1S2(ref buffer, readS1, readS2));

        Assert.Equal(s1, readS1);
        Assert.Equal(s2, readS2);
        Assert.Equal(new byte[] { 0x02, 0x00 }, buffer.ToArray());
    }

    [Fact]
    public void Every_truncated_answer_returns_false_and_consumes_nothing()
    {
        var answer = Answer(out _, out _);
        var s1 = new byte[1536];
        var s2 = new byte[1536];
        foreach (var length in new[] { 0, 1, 2, 1536, 1537, 1538, 3072 })
        {
            var buffer = TestSequenceSegment.SplitAt(answer[..length], length / 2);
            Assert.False(ClientHandshake.TryReadS0S1S2(ref buffer, s1, s2));
            Assert.Equal(length, buffer.Length);
        }
    }

    [Theory]
    [InlineData((byte)'H')]
    [InlineData((byte)0x16)]
    [InlineData((byte)6)]
    public void A_version_other_than_3_is_refused_as_soon_as_S0_arrives(byte version)
    {
        var buffer = new ReadOnlySequence<byte>([version]);

        var error = Assert.Throws<RtmpProtocolException>(() => ClientHandshake.TryReadS0S1S2(ref buffer, new byte[1536], new byte[1536]));

        Assert.Equal(RtmpError.UnsupportedVersion, error.Error);
    }

    /// <summary>The server's answer to a simple C1.</summary>
    private static byte[] Answer(out byte[] s1, out byte[] s2)
    {
        var c1 = new byte[1536];
        ClientHandshake.WriteC1(c1, HandshakeScheme.Simple, Random1528(3));
        var output = new ArrayBufferWriter<byte>();
        HandshakeWriter.WriteS0S1S2(output, c1, 1234, Random1528(4));
        var answer = output.WrittenSpan.ToArray();
        s1 = answer[1..1537];
        s2 = answer[1537..];
        Assert.Equal(c1, s2);
        return answer;
    }
}
