using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using StreamHub.Rtmp.Commands;
using StreamHub.Rtmp.Messages;

namespace StreamHub.Tests.Rtmp.EndToEnd;

/// <summary>Crafted bytes over a real socket. Each peer gets its connection closed; afterwards the server still
/// accepts a normal publish.</summary>
public sealed class HostilePeerTests(HostileHostFixture fixture) : IClassFixture<HostileHostFixture>
{
    private static readonly TimeSpan CloseWithin = TimeSpan.FromSeconds(8);

    [Fact]
    public async Task Random_bytes_instead_of_a_handshake_are_closed_at_once()
    {
        var garbage = new byte[64 * 1024];
        new Random(42).NextBytes(garbage);
        garbage[0] = 0x47; // not 3
        await using (var client = await TestRtmpClient.ConnectAsync(fixture.Host.RtmpPort))
        {
            await client.SendRawAsync(garbage);
            Assert.True(await client.WaitForCloseAsync(CloseWithin));
        }
        await AssertStillServesAsync("hostile-random");
    }

    [Fact]
    public async Task Random_bytes_after_a_good_handshake_are_closed()
    {
        var garbage = new byte[256 * 1024];
        new Random(7).NextBytes(garbage);
        await using (var client = await TestRtmpClient.ConnectAsync(fixture.Host.RtmpPort))
        {
            await client.HandshakeAsync();
            try
            {
                await client.SendRawAsync(garbage);
            }
            catch (IOException)
            {
                // The server may close while we are still writing.
            }
            Assert.True(await client.WaitForCloseAsync(CloseWithin));
        }
        await AssertStillServesAsync("hostile-random2");
    }

    [Fact]
    public async Task A_16_MiB_message_length_is_refused_before_its_payload()
    {
        await using (var client = await TestRtmpClient.ConnectAsync(fixture.Host.RtmpPort))
        {
            await client.HandshakeAsync();
            var watch = Stopwatch.StartNew();
            // fmt 0, csid 6, length 0xFFFFFF (16 MiB - 1), type 9: only the header is sent.
            await client.SendRawAsync(new byte[] { 0x06, 0, 0, 0, 0xFF, 0xFF, 0xFF, 9, 1, 0, 0, 0, 0x17 });
            Assert.True(await client.WaitForCloseAsync(CloseWithin));
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(2), $"closed after {watch.Elapsed}, not at once");
        }
        await AssertStillServesAsync("hostile-16mib");
    }

    [Theory]
    [InlineData(0u)]
    [InlineData(0x80000000u)]
    public async Task Invalid_chunk_sizes_are_refused(uint size)
    {
        await using (var client = await TestRtmpClient.ConnectAsync(fixture.Host.RtmpPort))
        {
            await client.HandshakeAsync();
            var payload = new byte[4];
            BinaryPrimitives.WriteUInt32BigEndian(payload, size);
            await client.SendMessageAsync(2, RtmpMessageType.SetChunkSize, 0, 0, payload);
            Assert.True(await client.WaitForCloseAsync(CloseWithin));
        }
        await AssertStillServesAsync($"hostile-cs-{size:x}");
    }

    [Fact]
    public async Task Chunk_size_2_pow_31_minus_1_is_clamped_and_a_publish_on_it_still_works()
    {
        var key = await fixture.CreateStreamAsync("hostile-cs-max");
        await using var client = await TestRtmpClient.ConnectAsync(fixture.Host.RtmpPort);
        await client.HandshakeAsync();
        await client.SetChunkSizeAsync(int.MaxValue);
        var (code, streamId) = await client.PublishAsync(key);
        Assert.Equal(RtmpStatusCodes.PublishStart, code);
        await client.SendAvcAsync(streamId, 0, true, 1, 0, new byte[100_000]);
        await Infrastructure.RecordingMediaSink.WaitUntilAsync(() => fixture.Sink.Frames("hostile-cs-max").Count == 1,
            TimeSpan.FromSeconds(10), "the frame");
        Assert.Equal(100_000, fixture.Sink.Frames("hostile-cs-max")[0].Payload.Length);
    }

    [Fact]
    public async Task Thousands_of_chunk_stream_ids_are_refused()
    {
        await using (var client = await TestRtmpClient.ConnectAsync(fixture.Host.RtmpPort))
        {
            await client.HandshakeAsync();
            var bytes = new List<byte>();
            for (var csid = 64; csid < 5064; csid++)
            {
                // 3-byte basic header form, a 100-byte message each, never completed.
                bytes.AddRange([0x01, (byte)(csid - 64), (byte)((csid - 64) >> 8), 0, 0, 0, 0, 0, 100, 9, 1, 0, 0, 0]);
                bytes.AddRange(new byte[100]);
            }
            try
            {
                await client.SendRawAsync(bytes.ToArray());
            }
            catch (IOException)
            {
            }
            Assert.True(await client.WaitForCloseAsync(CloseWithin));
        }
        await AssertStillServesAsync("hostile-csids");
    }

    [Fact]
    public async Task A_handshake_that_never_finishes_is_closed_by_the_handshake_timeout()
    {
        await using (var client = await TestRtmpClient.ConnectAsync(fixture.Host.RtmpPort))
        {
            var watch = Stopwatch.StartNew();
            await client.SendRawAsync(new byte[] { 3, 0, 0, 0, 0, 0, 0, 0, 0 });
            Assert.True(await client.WaitForCloseAsync(CloseWithin));
            Assert.InRange(watch.Elapsed, TimeSpan.FromSeconds(1.5), TimeSpan.FromSeconds(5));
        }
        await AssertStillServesAsync("hostile-slow-handshake");
    }

    [Fact]
    public async Task A_silent_connection_is_closed_by_the_idle_timeout()
    {
        await using (var client = await TestRtmpClient.ConnectAsync(fixture.Host.RtmpPort))
        {
            await client.HandshakeAsync();
            await client.ConnectAppAsync();
            var watch = Stopwatch.StartNew();
            Assert.True(await client.WaitForCloseAsync(CloseWithin));
            Assert.InRange(watch.Elapsed, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(6));
        }
    }

    [Fact]
    public async Task A_connection_dropped_mid_message_ends_its_publish_and_the_name_can_publish_again()
    {
        var key = await fixture.CreateStreamAsync("hostile-drop");
        using (var socket = new TcpClient())
        {
            await socket.ConnectAsync(IPAddress.Loopback, fixture.Host.RtmpPort);
            var stream = socket.GetStream();
            var client = new TestRtmpClient(System.IO.Pipelines.PipeReader.Create(stream), System.IO.Pipelines.PipeWriter.Create(stream));
            await client.HandshakeAsync();
            var (code, streamId) = await client.PublishAsync(key);
            Assert.Equal(RtmpStatusCodes.PublishStart, code);
            await client.SendAvcAsync(streamId, 0, true, 1, 0, new byte[10]);
            // Header of a 4096-byte message and 20 bytes of it, then the socket is reset.
            await client.SendRawAsync((byte[])[0x06, 0, 0, 40, 0, 0x10, 0x00, 9, 1, 0, 0, 0, .. new byte[20]]);
            socket.Client.LingerState = new LingerOption(true, 0);
        }
        await fixture.Sink.WaitForEndAsync("hostile-drop", TimeSpan.FromSeconds(10));
        Assert.Single(fixture.Sink.Frames("hostile-drop"));

        await using var again = await TestRtmpClient.ConnectAsync(fixture.Host.RtmpPort);
        await again.HandshakeAsync();
        var (againCode, _) = await again.PublishAsync(key);
        Assert.Equal(RtmpStatusCodes.PublishStart, againCode);
    }

    /// <summary>A normal publish on a fresh stream: handshake, conversation, a frame that reaches the sink.</summary>
    private async Task AssertStillServesAsync(string name)
    {
        var key = await fixture.CreateStreamAsync(name);
        await using var client = await TestRtmpClient.ConnectAsync(fixture.Host.RtmpPort);
        await client.HandshakeAsync();
        var (code, streamId) = await client.PublishAsync(key);
        Assert.Equal(RtmpStatusCodes.PublishStart, code);
        await client.SendAvcAsync(streamId, 0, true, 0, 0, [1, 0x64, 0, 0x1F]);
        await Infrastructure.RecordingMediaSink.WaitUntilAsync(() => fixture.Sink.Frames(name).Count == 1,
            TimeSpan.FromSeconds(10), $"a frame on {name}");
    }
}
