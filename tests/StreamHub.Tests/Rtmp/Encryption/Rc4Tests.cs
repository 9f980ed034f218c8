using StreamHub.Rtmp.Encryption;

namespace StreamHub.Tests.Rtmp.Encryption;

/// <summary>RC4 against the test vectors of RFC 6229 §2: the keystream (RC4 over zero bytes) at the listed offsets.</summary>
public sealed class Rc4Tests
{
    /// <summary>Key 0x0102030405 (40 bits), every offset the RFC lists up to 2048 (1536 is where RTMPE's data starts).</summary>
    [Theory]
    [InlineData(0, "b2396305f03dc027ccc3524a0a1118a8")]
    [InlineData(16, "6982944f18fc82d589c403a47a0d0919")]
    [InlineData(240, "28cb1132c96ce286421dcaadb8b69eae")]
    [InlineData(256, "1cfcf62b03eddb641d77dfcf7f8d8c93")]
    [InlineData(496, "42b7d0cdd918a8a33dd51781c81f4041")]
    [InlineData(512, "6459844432a7da923cfb3eb4980661f6")]
    [InlineData(752, "ec10327bde2beefd18f9277680457e22")]
    [InlineData(768, "eb62638d4f0ba1fe9fca20e05bf8ff2b")]
    [InlineData(1008, "45129048e6a0ed0b56b490338f078da5")]
    [InlineData(1024, "30abbcc7c20b01609f23ee2d5f6bb7df")]
    [InlineData(1520, "3294f744d8f9790507e70f62e5bbceea")]
    [InlineData(1536, "d8729db41882259bee4f825325f5a130")]
    [InlineData(2032, "1eb14a0c13b3bf47fa2a0ba93ad45b8b")]
    [InlineData(2048, "cc582f8ba9f265e2b1be9112e975d2d7")]
    public void Keystream_of_the_40_bit_key_matches_RFC_6229(int offset, string expected)
    {
        var rc4 = new Rc4(Convert.FromHexString("0102030405"));
        rc4.Discard(offset);
        Assert.Equal(expected, Keystream(rc4, 16));
    }

    [Theory]
    [InlineData("0102030405060708090a0b0c0d0e0f10", 0, "9ac7cc9a609d1ef7b2932899cde41b97")]
    [InlineData("0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20", 0, "eaa6bd25880bf93d3f5d1e4ca2611d91")]
    [InlineData("1ada31d5cf688221c109163908ebe51debb46227c6cc8b37641910833222772a", 4096, "370b1c1fe655916d97fd0d47ca1d72b8")]
    public void Keystream_of_longer_keys_matches_RFC_6229(string key, int offset, string expected)
    {
        var rc4 = new Rc4(Convert.FromHexString(key));
        rc4.Discard(offset);
        Assert.Equal(expected, Keystream(rc4, 16));
    }

    [Fact]
    public void Data_transformed_in_pieces_equals_data_transformed_at_once_and_transforming_twice_restores_it()
    {
        var key = Convert.FromHexString("0102030405060708090a0b0c0d0e0f10");
        var plain = new byte[5000];
        new Random(3).NextBytes(plain);
        var whole = plain.ToArray();
        new Rc4(key).Transform(whole);
        Assert.NotEqual(plain, whole);

        var pieces = plain.ToArray();
        var rc4 = new Rc4(key);
        var at = 0;
        foreach (var length in new[] { 1, 0, 7, 255, 256, 257, 1000, 3224 })
        {
            rc4.Transform(pieces.AsSpan(at, length));
            at += length;
        }
        Assert.Equal(whole, pieces);

        new Rc4(key).Transform(whole);
        Assert.Equal(plain, whole);
    }

    [Fact]
    public void Keys_of_no_bytes_or_more_than_256_are_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new Rc4([]));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Rc4(new byte[257]));
    }

    private static string Keystream(Rc4 rc4, int length)
    {
        var bytes = new byte[length];
        rc4.Transform(bytes);
        return Convert.ToHexStringLower(bytes);
    }
}
