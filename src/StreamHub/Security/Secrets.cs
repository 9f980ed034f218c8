using System.Buffers.Text;
using System.Security.Cryptography;

namespace StreamHub.Security;

/// <summary>Random URL-safe tokens for keys.</summary>
public static class Secrets
{
    /// <summary>A token of <paramref name="bytes"/> random bytes from the OS CSPRNG, base64url without padding.</summary>
    public static string NewToken(int bytes)
    {
        Span<byte> random = stackalloc byte[bytes];
        RandomNumberGenerator.Fill(random);
        return Base64Url.EncodeToString(random);
    }
}
