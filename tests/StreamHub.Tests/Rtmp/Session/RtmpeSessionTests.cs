using StreamHub.Media;
using StreamHub.Rtmp;
using StreamHub.Rtmp.Commands;
using StreamHub.Rtmp.Handshake;
using StreamHub.Tests.Rtmp.Encryption;

namespace StreamHub.Tests.Rtmp.Session;

/// <summary>An RTMPE conversation with the session over in-memory pipes: the handshake, then connect, publish and media
/// through RC4 in both directions; the session itself reads and writes plain RTMP.</summary>
public sealed class RtmpeSessionTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);
    private static readonly byte[] AvcConfig = [0x01, 0x64, 0x00, 0x1F, 0xFF, 0xE1, 0x00, 0x04, 0x67, 0x64, 0x00, 0x1F, 0x01, 0x00, 0x02, 0x68, 0xEE];

    /// <summary>C2 is held back and goes out with the encrypted connect in one write, so the session's read that
    /// completes the handshake already holds ciphertext after C2.</summary>
    [Theory]
    [InlineData(HandshakeScheme.Digest1, false)]
    [InlineData(HandshakeScheme.Digest0, true)]
    public async Task Publish_over_RTMPE_delivers_the_frames(HandshakeScheme scheme, bool flushC2)
    {
        await using var h = new SessionHarness();
        var pipe = await RtmpeClientHandshake.RunAsync(h.ClientInput, h.ClientOutput, scheme, flushC2);
        await using var client = new TestRtmpClient(pipe.Input, pipe.Output, handshakeDone: true);

        var (code, streamId) = await client.PublishAsync("key-cam1");

        Assert.Equal(RtmpStatusCodes.PublishStart, code);
        await client.SendAvcAsync(streamId, 0, true, 0, 0, AvcConfig);
        for (var i = 0; i < 20; i++)
        {
            // Large enough that chunks and pipe segments split them: 3000 bytes at chunk size 128.
            var nal = new byte[3000];
            nal[3] = 2996 & 0xFF;
            nal[2] = 2996 >> 8;
            nal[4] = 0x65;
            nal[5] = (byte)i;
            await client.SendAvcAsync(streamId, (uint)(i * 40), i % 10 == 0, 1, 0, nal);
        }
        var deadline = DateTime.UtcNow + Wait;
        while (h.Sink.Frames("cam1").Count < 21 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }
        var video = h.Sink.Frames("cam1").Where(f => f.Kind == MediaKind.Video && f.FrameKind == MediaFrameKind.Coded).ToList();
        Assert.Equal(Enumerable.Range(0, 20).Select(i => (long)i * 40), video.Select(f => f.Dts));
        Assert.All(video, f => Assert.Equal(3000, f.Payload.Length));
        Assert.Equal((byte)13, video[13].Payload[5]);
        Assert.Contains(h.Logger.Lines, m => m.Contains("RTMPE handshake done", StringComparison.Ordinal));
    }

    [Fact]
    public async Task With_RTMPE_turned_off_C0_6_is_refused_naming_the_setting()
    {
        await using var h = new SessionHarness(new RtmpOptions { AcceptRtmpe = false });
        var c1 = new byte[1537];
        c1[0] = RtmpeHandshake.RtmpeVersion;
        await h.ClientOutput.WriteAsync(c1);

        var error = await h.EndAsync();

        Assert.NotNull(error);
        Assert.Equal(RtmpError.UnsupportedVersion, error.Error);
        Assert.Contains("StreamHub:Rtmp:AcceptRtmpe", error.Message, StringComparison.Ordinal);
    }
}
