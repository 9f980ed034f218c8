using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using System.Numerics;
using System.Security.Cryptography;
using StreamHub.Rtmp.Commands;
using StreamHub.Rtmp.Encryption;
using StreamHub.Rtmp.Handshake;
using StreamHub.Tests.Rtmp.Encryption;

namespace StreamHub.Tests.Rtmp.EndToEnd;

/// <summary>Crafted RTMPE handshakes over a real socket: each is closed with a log line naming what was wrong, and the
/// server goes on serving RTMPE (our own client, through the same RC4 pipe, publishes afterwards).</summary>
[Collection(RtmpeCollection.Name)]
public sealed class RtmpeHostilePeerTests(RtmpeServerFixture fixture)
{
    private static readonly TimeSpan CloseWithin = TimeSpan.FromSeconds(8);

    public static TheoryData<string> BadKeys => ["zero", "one", "p-1", "all ones"];

    [Theory]
    [MemberData(nameof(BadKeys))]
    public async Task A_DH_key_outside_2_to_p_minus_2_is_closed_with_a_log_line(string which)
    {
        var p = RtmpeDiffieHellman.Prime;
        BigInteger y = which switch
        {
            "zero" => 0,
            "one" => 1,
            "p-1" => p - 1,
            _ => (BigInteger.One << 1024) - 1,
        };
        var c1 = new byte[1536];
        var offset = RtmpeHandshake.WriteC1(c1, HandshakeScheme.Digest1, RandomNumberGenerator.GetBytes(1528), 2);
        var key = c1.AsSpan(offset, 128);
        key.Clear();
        y.TryWriteBytes(key[(128 - y.GetByteCount(isUnsigned: true))..], out _, isUnsigned: true, isBigEndian: true);
        HandshakeDigest.SignClientPacket(c1, HandshakeScheme.Digest1);   // the digest is right: only the key is wrong

        await AssertClosedWithLogLineAsync([RtmpeHandshake.RtmpeVersion, .. c1], "(InvalidRtmpeKey): RTMPE C1 carries a Diffie-Hellman public key outside [2, p-2]");
    }

    [Fact]
    public async Task A_wrong_digest_is_closed_with_a_log_line()
    {
        var c1 = new byte[1536];
        RtmpeHandshake.WriteC1(c1, HandshakeScheme.Digest1, RandomNumberGenerator.GetBytes(1528), RtmpeDiffieHellman.NewPrivateKey());
        c1[HandshakeDigest.DigestOffset(c1, HandshakeScheme.Digest1) + 5] ^= 0x40;

        await AssertClosedWithLogLineAsync([RtmpeHandshake.RtmpeVersion, .. c1], "(InvalidRtmpeDigest): RTMPE C1 carries no valid client digest");
    }

    [Theory]
    [InlineData(8, "XTEA")]
    [InlineData(9, "Blowfish")]
    public async Task RTMPE_types_8_and_9_are_refused_by_name(byte type, string cipher)
    {
        var c1 = new byte[1536];
        RtmpeHandshake.WriteC1(c1, HandshakeScheme.Digest1, RandomNumberGenerator.GetBytes(1528), RtmpeDiffieHellman.NewPrivateKey());

        await AssertClosedWithLogLineAsync([type, .. c1], $"(UnsupportedVersion): C0 version {type} (RTMPE with {cipher} signatures) requested: not served");
    }

    /// <summary>Our own client (the tests' RTMP client over <see cref="RtmpeDuplexPipe"/>) publishes through RTMPE on a
    /// real socket, on the RTMP port and sniffed on the HTTP port.</summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Our_own_client_publishes_over_RTMPE(bool onHttpPort)
    {
        var (_, key) = await fixture.CreateStreamAsync("rtmpe-own");
        var code = await PublishAsync(onHttpPort ? fixture.Server.HttpPort : fixture.Server.RtmpPort, key);
        Assert.Equal(RtmpStatusCodes.PublishStart, code);
    }

    private async Task AssertClosedWithLogLineAsync(byte[] handshake, string logged)
    {
        var before = fixture.CountLines(logged);
        using (var socket = new TcpClient { NoDelay = true })
        {
            await socket.ConnectAsync(IPAddress.Loopback, fixture.Server.RtmpPort);
            var stream = socket.GetStream();
            await stream.WriteAsync(handshake);
            Assert.True(await ClosedAsync(stream), "the server kept the connection open");
        }
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(5);
        while (fixture.CountLines(logged) == before)
        {
            Assert.True(DateTime.UtcNow < deadline, $"no log line '{logged}':\n{fixture.Server.Output}");
            await Task.Delay(50);
        }
        var (_, key) = await fixture.CreateStreamAsync("rtmpe-after");
        Assert.Equal(RtmpStatusCodes.PublishStart, await PublishAsync(fixture.Server.RtmpPort, key));
    }

    private static async Task<bool> ClosedAsync(NetworkStream stream)
    {
        var buffer = new byte[4096];
        using var timeout = new CancellationTokenSource(CloseWithin);
        try
        {
            while (await stream.ReadAsync(buffer, timeout.Token) > 0)
            {
            }
            return true;
        }
        catch (IOException)
        {
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private static async Task<string?> PublishAsync(int port, string key)
    {
        using var socket = new TcpClient { NoDelay = true };
        await socket.ConnectAsync(IPAddress.Loopback, port);
        var stream = socket.GetStream();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var pipe = await RtmpeClientHandshake.RunAsync(PipeReader.Create(stream), PipeWriter.Create(stream), cancellationToken: timeout.Token);
        await using var client = new TestRtmpClient(pipe.Input, pipe.Output, handshakeDone: true);
        var (code, _) = await client.PublishAsync(key);
        return code;
    }
}
