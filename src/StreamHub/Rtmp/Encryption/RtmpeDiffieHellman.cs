using System.Numerics;
using System.Security.Cryptography;

namespace StreamHub.Rtmp.Encryption;

/// <summary>The Diffie-Hellman exchange inside the RTMPE handshake: the 1024-bit MODP group of RFC 2409 §6.2 (Oakley
/// group 2), generator 2, public keys and the shared secret as 128-byte big-endian numbers padded with leading zeros
/// (librtmp's DHGetPublicKey and its GnuTLS DH_compute_key).
/// Written on <see cref="BigInteger.ModPow"/>: .NET has no finite-field Diffie-Hellman API (only ECDiffieHellman, which
/// cannot speak this group), and a modular exponentiation is all the exchange is.</summary>
public static class RtmpeDiffieHellman
{
    public const int KeySize = 128;

    /// <summary>2^1024 - 2^960 - 1 + 2^64 * { [2^894 pi] + 129093 } (RFC 2409 §6.2).</summary>
    public static readonly BigInteger Prime = BigInteger.Parse(
        "00FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD1" +
        "29024E088A67CC74020BBEA63B139B22514A08798E3404DD" +
        "EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245" +
        "E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED" +
        "EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE65381" +
        "FFFFFFFFFFFFFFFF", System.Globalization.NumberStyles.HexNumber);

    private static readonly BigInteger Generator = 2;
    private static readonly BigInteger LargestPublicKey = Prime - 2;

    /// <summary>A fresh private exponent of 256 random bits. The group gives about 80 bits of security, and an exponent
    /// of twice that is enough (NIST SP 800-57 asks 160 bits for a 1024-bit group); a full-size one would cost four
    /// times the CPU per handshake, which any peer can ask for.</summary>
    public static BigInteger NewPrivateKey()
    {
        Span<byte> bytes = stackalloc byte[32];
        RandomNumberGenerator.Fill(bytes);
        return PrivateKey(bytes);
    }

    /// <summary>The private exponent held in <paramref name="bytes"/> (big-endian): for tests with fixed keys.</summary>
    public static BigInteger PrivateKey(ReadOnlySpan<byte> bytes) => new(bytes, isUnsigned: true, isBigEndian: true);

    /// <summary>Writes g^x mod p for <paramref name="privateKey"/> x into <paramref name="publicKey"/> (128 bytes).</summary>
    public static void WritePublicKey(BigInteger privateKey, Span<byte> publicKey) =>
        WriteFixed(BigInteger.ModPow(Generator, privateKey, Prime), publicKey[..KeySize]);

    /// <summary>True when <paramref name="publicKey"/> (128 bytes, big-endian) lies in [2, p-2] (RFC 2631 §2.1.5): 0, 1
    /// and p-1 would force the shared secret to a value anyone can guess, and p or more is not a group element.</summary>
    public static bool IsValidPublicKey(ReadOnlySpan<byte> publicKey)
    {
        var y = new BigInteger(publicKey[..KeySize], isUnsigned: true, isBigEndian: true);
        return y >= 2 && y <= LargestPublicKey;
    }

    /// <summary>Writes the shared secret peer^x mod p into <paramref name="secret"/> (128 bytes). False, writing
    /// nothing, when the peer's key is not valid (<see cref="IsValidPublicKey"/>).</summary>
    public static bool TryComputeSharedSecret(BigInteger privateKey, ReadOnlySpan<byte> peerPublicKey, Span<byte> secret)
    {
        if (!IsValidPublicKey(peerPublicKey))
        {
            return false;
        }
        var y = new BigInteger(peerPublicKey[..KeySize], isUnsigned: true, isBigEndian: true);
        WriteFixed(BigInteger.ModPow(y, privateKey, Prime), secret[..KeySize]);
        return true;
    }

    private static void WriteFixed(BigInteger value, Span<byte> destination)
    {
        var length = value.GetByteCount(isUnsigned: true);
        destination[..^length].Clear();
        value.TryWriteBytes(destination[^length..], out _, isUnsigned: true, isBigEndian: true);
    }
}
