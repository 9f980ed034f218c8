using System.Buffers.Binary;
using System.Diagnostics;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using StreamHub.Hosting;
using StreamHub.Rtmp.Messages;

namespace StreamHub.Tests.Rtmp.EndToEnd;

/// <summary>Peers that hold the server's memory by being slow, over a real socket: large messages before publish,
/// messages begun and never finished, and a peer that stops reading what the server writes.</summary>
public sealed class SlowPeerTests(HostileHostFixture fixture) : IClassFixture<HostileHostFixture>
{
    [Fact]
    public async Task Before_publish_a_large_video_message_is_refused_by_its_header()
    {
        await using var client = await TestRtmpClient.ConnectAsync(fixture.Host.RtmpPort);
        await client.HandshakeAsync();
        await client.ConnectAppAsync();
        var watch = Stopwatch.StartNew();
        // fmt 0, csid 6, a 1 MiB video message on stream 1 (no publish yet), and 100 bytes of it.
        await client.SendRawAsync((byte[])[0x06, 0, 0, 0, 0x10, 0x00, 0x00, (byte)RtmpMessageType.Video, 1, 0, 0, 0, .. new byte[100]]);
        // The idle timeout of this host is 3 s: closed before it means closed for the header.
        Assert.True(await client.WaitForCloseAsync(TimeSpan.FromSeconds(2)), "the server waited for the body of a 1 MiB message before publish");
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(2), $"closed after {watch.Elapsed}");
    }

    [Fact]
    public async Task A_message_begun_and_never_finished_is_closed_though_the_peer_keeps_pinging()
    {
        await using var client = await TestRtmpClient.ConnectAsync(fixture.Host.RtmpPort);
        await client.HandshakeAsync();
        await client.ConnectAppAsync();
        // The header and first chunk (128 bytes) of a 60,000-byte data message, never finished.
        await client.SendRawAsync((byte[])[0x05, 0, 0, 0, 0x00, 0xEA, 0x60, (byte)RtmpMessageType.Amf0Data, 0, 0, 0, 0, .. new byte[128]]);
        var watch = Stopwatch.StartNew();
        // Pings every 0.5 s keep it from the idle timeout (3 s); the partial-message limit (2 s) must close it.
        var closed = false;
        for (uint i = 0; i < 16 && !closed; i++)
        {
            try
            {
                await client.SendMessageAsync(2, RtmpMessageType.UserControl, 0, 0, PingPayload(i));
            }
            catch (IOException)
            {
                closed = true;
                break;
            }
            closed = await client.WaitForCloseAsync(TimeSpan.FromMilliseconds(500));
        }
        Assert.True(closed, "still open after 8 s of pings with a message left partial");
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(6), $"closed after {watch.Elapsed}");
    }

    [Fact]
    public async Task A_peer_that_never_reads_what_the_server_writes_is_closed_by_the_write_timeout()
    {
        var rtmp = fixture.Host.GetService<ListenerTable>().All.Single(l => l.Name == "RTMP");
        // Connections of earlier tests of this class close first, so the count below is this test's alone.
        for (var i = 0; i < 100 && rtmp.Connections > 0; i++)
        {
            await Task.Delay(50);
        }
        var before = rtmp.Connections;
        using var socket = new TcpClient { ReceiveBufferSize = 4096, NoDelay = true };
        await socket.ConnectAsync(IPAddress.Loopback, fixture.Host.RtmpPort);
        var stream = socket.GetStream();
        var client = new TestRtmpClient(PipeReader.Create(stream), PipeWriter.Create(stream));
        await client.HandshakeAsync();
        await client.ConnectAppAsync();
        Assert.Equal(before + 1, rtmp.Connections);

        // From now on nothing is read. Every ping provokes an 18-byte answer: 8 MB of pings fill the client's receive
        // window, the server's socket buffer and its output queue, and leave the server waiting on its flush.
        var pings = new byte[18 * 4096];
        for (var i = 0; i < 4096; i++)
        {
            byte[] ping = [0x02, 0, 0, 0, 0, 0, 6, (byte)RtmpMessageType.UserControl, 0, 0, 0, 0, .. PingPayload((uint)i)];
            ping.CopyTo(pings, i * 18);
        }
        var watch = Stopwatch.StartNew();
        var writer = Task.Run(async () =>
        {
            try
            {
                for (var round = 0; round < 110; round++)
                {
                    await stream.WriteAsync(pings);
                }
            }
            catch (IOException)
            {
                // The server reset the connection.
            }
        });

        var deadline = TimeSpan.FromSeconds(20);
        while (rtmp.Connections > before && watch.Elapsed < deadline)
        {
            await Task.Delay(100);
        }
        Assert.True(rtmp.Connections == before, $"the connection that stopped reading was still open after {watch.Elapsed}");
        await writer.WaitAsync(TimeSpan.FromSeconds(10));
        socket.Client.LingerState = new LingerOption(true, 0);
    }

    private static byte[] PingPayload(uint value)
    {
        var payload = new byte[6];
        BinaryPrimitives.WriteUInt16BigEndian(payload, (ushort)UserControlEvent.PingRequest);
        BinaryPrimitives.WriteUInt32BigEndian(payload.AsSpan(2), value);
        return payload;
    }
}
