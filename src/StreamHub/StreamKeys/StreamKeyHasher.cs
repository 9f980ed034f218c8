using System.Security.Cryptography;
using System.Text;

namespace StreamHub.StreamKeys;

/// <summary>Stream keys are 256 random bits, so a plain SHA-256 is a safe one-way hash for them (a slow password hash
/// buys nothing against a key that cannot be guessed) and keeps the publish-path lookup to one index seek.</summary>
public static class StreamKeyHasher
{
    public const int KeyBytes = 32;

    public static byte[] Hash(ReadOnlySpan<char> key)
    {
        Span<byte> utf8 = stackalloc byte[Encoding.UTF8.GetMaxByteCount(Math.Min(key.Length, 256))];
        var written = Encoding.UTF8.GetBytes(key[..Math.Min(key.Length, 256)], utf8);
        return SHA256.HashData(utf8[..written]);
    }

    public static string NewKey() => Security.Secrets.NewToken(KeyBytes);
}
