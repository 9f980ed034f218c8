using System.Numerics;
using System.Security.Cryptography;
using StreamHub.Rtmp.Encryption;

namespace StreamHub.Tests.Rtmp.Encryption;

public sealed class RtmpeDiffieHellmanTests
{
    [Fact]
    public void The_group_is_RFC_2409_section_6_2()
    {
        var p = RtmpeDiffieHellman.Prime;
        Assert.Equal(1024, (int)p.GetBitLength());
        // 2^1024 - 2^960 - 1 + 2^64 * ( floor(2^894 * pi) + 129093 ): the top and bottom 64 bits are all ones.
        Assert.Equal(ulong.MaxValue, (ulong)(p >> 960));
        Assert.Equal(ulong.MaxValue, (ulong)(p & ulong.MaxValue));
        Assert.Equal("ffffffffffffffffc90fdaa22168c234c4c6628b80dc1cd1",
            Convert.ToHexStringLower(p.ToByteArray(isUnsigned: true, isBigEndian: true))[..48]);
    }

    [Fact]
    public void Public_keys_are_128_bytes_big_endian_with_leading_zeros()
    {
        var key = new byte[128];
        key.AsSpan().Fill(0xAA);
        RtmpeDiffieHellman.WritePublicKey(3, key);   // 2^3
        Assert.All(key[..127], b => Assert.Equal(0, b));
        Assert.Equal(8, key[127]);
    }

    [Fact]
    public void Both_sides_compute_the_same_secret()
    {
        var a = RtmpeDiffieHellman.NewPrivateKey();
        var b = RtmpeDiffieHellman.NewPrivateKey();
        var publicA = new byte[128];
        var publicB = new byte[128];
        RtmpeDiffieHellman.WritePublicKey(a, publicA);
        RtmpeDiffieHellman.WritePublicKey(b, publicB);
        var secretA = new byte[128];
        var secretB = new byte[128];
        Assert.True(RtmpeDiffieHellman.TryComputeSharedSecret(a, publicB, secretA));
        Assert.True(RtmpeDiffieHellman.TryComputeSharedSecret(b, publicA, secretB));
        Assert.Equal(secretA, secretB);
        Assert.Equal(BigInteger.ModPow(BigInteger.ModPow(2, a, RtmpeDiffieHellman.Prime), b, RtmpeDiffieHellman.Prime),
            new BigInteger(secretA, isUnsigned: true, isBigEndian: true));
    }

    public static TheoryData<string, bool> Keys => new()
    {
        { "zero", false },
        { "one", false },
        { "two", true },
        { "p-2", true },
        { "p-1", false },
        { "p", false },
        { "all ones", false },
    };

    [Theory]
    [MemberData(nameof(Keys))]
    public void Only_keys_from_2_to_p_minus_2_are_valid(string name, bool valid)
    {
        var p = RtmpeDiffieHellman.Prime;
        BigInteger y = name switch
        {
            "zero" => 0,
            "one" => 1,
            "two" => 2,
            "p-2" => p - 2,
            "p-1" => p - 1,
            "p" => p,
            _ => (BigInteger.One << 1024) - 1,
        };
        var key = new byte[128];
        y.TryWriteBytes(key.AsSpan(128 - y.GetByteCount(isUnsigned: true)), out _, isUnsigned: true, isBigEndian: true);
        Assert.Equal(valid, RtmpeDiffieHellman.IsValidPublicKey(key));
        var secret = RandomNumberGenerator.GetBytes(128);
        var before = secret.ToArray();
        Assert.Equal(valid, RtmpeDiffieHellman.TryComputeSharedSecret(RtmpeDiffieHellman.NewPrivateKey(), key, secret));
        if (!valid)
        {
            Assert.Equal(before, secret);
        }
    }
}
