using System.Buffers;
using System.IO.Pipelines;
using System.Security.Cryptography;
using StreamHub.Rtmp.Encryption;
using StreamHub.Rtmp.Handshake;
using StreamHub.Tests.Infrastructure;

namespace StreamHub.Tests.Rtmp.Encryption;

/// <summary>The client's side of an RTMPE handshake, as librtmp runs it, over any pair of pipes: C0 = 6 and a C1 with
/// its DH key and digest, S0..S2 read and S1's digest and key checked, C2 signed against S1's digest; then the pipes
/// wrapped in RC4 for what follows.</summary>
public static class RtmpeClientHandshake
{
    /// <param name="flushC2">False leaves C2 in the writer, so it reaches the server in one piece with the first
    /// encrypted message (as a client that coalesces its writes sends it).</param>
    public static async Task<IDuplexPipe> RunAsync(PipeReader input, PipeWriter output, HandshakeScheme scheme = HandshakeScheme.Digest1,
        bool flushC2 = true, CancellationToken cancellationToken = default)
    {
        const int size = HandshakeDigest.PacketSize;
        var privateKey = RtmpeDiffieHellman.NewPrivateKey();
        var c1 = new byte[size];
        var keyOffset = RtmpeHandshake.WriteC1(c1, scheme, RandomNumberGenerator.GetBytes(size - 8), privateKey);
        output.GetSpan(1)[0] = RtmpeHandshake.RtmpeVersion;
        output.Advance(1);
        await output.WriteAsync(c1, cancellationToken);

        var s1 = new byte[size];
        while (true)
        {
            var result = await input.ReadAsync(cancellationToken);
            var buffer = result.Buffer;
            if (buffer.Length >= 1 + 2 * size)
            {
                Assert.Equal(RtmpeHandshake.RtmpeVersion, buffer.FirstSpan[0]);
                buffer.Slice(1, size).CopyTo(s1);
                input.AdvanceTo(buffer.GetPosition(1 + 2 * size));
                break;
            }
            Assert.False(result.IsCompleted, "the server closed during the handshake");
            input.AdvanceTo(buffer.Start, buffer.End);
        }
        var ciphers = RtmpeHandshake.ClientCiphers(c1, keyOffset, s1, privateKey);
        Assert.True(ciphers.HasValue, "S1 carries no valid server digest or DH key");

        var serverScheme = HandshakeDigest.IsValidServerDigest(s1, HandshakeScheme.Digest1) ? HandshakeScheme.Digest1 : HandshakeScheme.Digest0;
        var serverDigest = s1.AsSpan(HandshakeDigest.DigestOffset(s1, serverScheme), HandshakeDigest.DigestSize);
        var c2 = RandomNumberGenerator.GetBytes(size);
        var key = HMACSHA256.HashData(HandshakeDigest.ClientKey, serverDigest);
        HMACSHA256.HashData(key, c2.AsSpan(0, size - HandshakeDigest.DigestSize), c2.AsSpan(size - HandshakeDigest.DigestSize));
        if (flushC2)
        {
            await output.WriteAsync(c2, cancellationToken);
        }
        else
        {
            output.Write(c2);
        }

        var (receive, send) = ciphers.Value;
        return new RtmpeDuplexPipe(new TestDuplexPipe(input, output), receive, send);
    }

}
