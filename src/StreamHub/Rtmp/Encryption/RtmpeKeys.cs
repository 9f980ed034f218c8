using System.Security.Cryptography;

namespace StreamHub.Rtmp.Encryption;

/// <summary>The two RC4 keys of an RTMPE connection, derived as librtmp's InitRC4Encryption does (handshake.h):
/// <code>
/// key to send with    = HMAC-SHA256(key: shared secret (128 bytes), message: the PEER's public key)[0..16]
/// key to receive with = HMAC-SHA256(key: shared secret (128 bytes), message: OUR public key)[0..16]
/// </code>
/// so each side's sending key is the other's receiving key. Both keystreams then drop their first 1536 bytes (librtmp
/// runs RC4 over a handshake-sized buffer on each key once the handshake is verified).</summary>
public static class RtmpeKeys
{
    public const int KeySize = 16;
    public const int KeystreamWarmUp = 1536;

    /// <summary>Writes the 16-byte RC4 key HMAC-SHA256(<paramref name="secret"/>, <paramref name="publicKey"/>).</summary>
    public static void Derive(ReadOnlySpan<byte> secret, ReadOnlySpan<byte> publicKey, Span<byte> key)
    {
        Span<byte> digest = stackalloc byte[32];
        HMACSHA256.HashData(secret[..RtmpeDiffieHellman.KeySize], publicKey[..RtmpeDiffieHellman.KeySize], digest);
        digest[..KeySize].CopyTo(key);
    }

    /// <summary>The ciphers for one side, each past its 1536-byte warm-up.</summary>
    public static (Rc4 Receive, Rc4 Send) CreateCiphers(ReadOnlySpan<byte> secret, ReadOnlySpan<byte> ownPublicKey, ReadOnlySpan<byte> peerPublicKey)
    {
        Span<byte> key = stackalloc byte[KeySize];
        Derive(secret, ownPublicKey, key);
        var receive = new Rc4(key);
        Derive(secret, peerPublicKey, key);
        var send = new Rc4(key);
        receive.Discard(KeystreamWarmUp);
        send.Discard(KeystreamWarmUp);
        return (receive, send);
    }
}
