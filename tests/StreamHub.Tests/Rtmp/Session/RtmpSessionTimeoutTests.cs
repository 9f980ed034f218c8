using System.Buffers.Binary;
using System.IO.Pipelines;
using StreamHub.Rtmp;
using StreamHub.Rtmp.Messages;
using StreamHub.Rtmp.Session;
using StreamHub.Tests.Infrastructure;

namespace StreamHub.Tests.Rtmp.Session;

/// <summary>Handshake, idle, partial-message and write deadlines, decided by the heartbeat on a clock the test moves:
/// no test here waits for a timeout in real time.</summary>
public sealed class RtmpSessionTimeoutTests : IDisposable
{
    private readonly ManualTimeProvider _clock = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly RtmpHeartbeat _heartbeat;

    public RtmpSessionTimeoutTests() => _heartbeat = new RtmpHeartbeat(_clock);

    public void Dispose() => _heartbeat.Dispose();

    private void Pass(double seconds)
    {
        _clock.Advance(TimeSpan.FromSeconds(seconds));
        _heartbeat.Tick();
    }

    [Fact]
    public async Task A_handshake_not_finished_in_time_is_closed_at_its_deadline_not_before()
    {
        await using var h = new SessionHarness(new RtmpOptions { HandshakeTimeoutSeconds = 10 }, heartbeat: _heartbeat);
        await h.Client.SendRawAsync(new byte[] { 3, 0, 0, 0 });
        await WaitUntilRegisteredAsync();

        Pass(9.9);
        await AssertRunningAsync(h);
        Pass(0.1);
        Assert.Equal(RtmpError.HandshakeTimeout, (await h.EndAsync())?.Error);
    }

    [Fact]
    public async Task A_silent_peer_is_closed_at_the_idle_deadline_and_input_moves_the_deadline()
    {
        await using var h = new SessionHarness(new RtmpOptions { IdleTimeoutSeconds = 10 }, heartbeat: _heartbeat);
        await h.Client.HandshakeAsync();
        await h.Client.ConnectAppAsync();

        Pass(9);
        await PingAsync(h, 1);
        Pass(9);
        await AssertRunningAsync(h);
        Pass(1);
        Assert.Equal(RtmpError.IdleTimeout, (await h.EndAsync())?.Error);
    }

    [Fact]
    public async Task A_message_left_partial_is_closed_at_its_deadline_though_the_peer_keeps_pinging()
    {
        await using var h = new SessionHarness(new RtmpOptions { IdleTimeoutSeconds = 10, PartialMessageTimeoutSeconds = 10 }, heartbeat: _heartbeat);
        await h.Client.HandshakeAsync();
        await h.Client.ConnectAppAsync();
        // The header and first chunk (chunk size 128) of a 1,000-byte data message on chunk stream 5, never finished;
        // a ping in the same write, so its answer says the session has read the partial message (at time 0).
        await h.Client.SendRawAsync((byte[])[0x05, 0, 0, 0, 0x00, 0x03, 0xE8, (byte)RtmpMessageType.Amf0Data, 0, 0, 0, 0, .. new byte[128], .. PingMessage(99)]);
        await AwaitPongAsync(h, 99);

        for (var i = 0; i < 3; i++)
        {
            Pass(3);
            await PingAsync(h, (uint)i);
        }
        await AssertRunningAsync(h);
        Pass(1);
        Assert.Equal(RtmpError.PartialMessageTimeout, (await h.EndAsync())?.Error);
    }

    [Fact]
    public async Task A_huge_chunk_dripped_a_byte_at_a_time_is_closed_at_the_partial_deadline()
    {
        // After publish (large messages allowed), one 1 MiB chunk announced and fed a byte every 3 s: never idle, never
        // a whole chunk the reader could take.
        await using var h = new SessionHarness(new RtmpOptions { IdleTimeoutSeconds = 10, PartialMessageTimeoutSeconds = 10 }, heartbeat: _heartbeat);
        await h.Client.HandshakeAsync();
        var (_, streamId) = await h.Client.PublishAsync("key-cam1");
        await h.Client.SetChunkSizeAsync(1024 * 1024);
        // A ping first, in the same write, so its answer says the session has read the chunk's start (at time 0).
        await h.Client.SendRawAsync((byte[])[.. PingMessage(99), 0x06, 0, 0, 0, 0x10, 0x00, 0x00, (byte)RtmpMessageType.Video, (byte)streamId, 0, 0, 0, 0x17, 1, 0, 0, 0]);
        await AwaitPongAsync(h, 99);

        for (var i = 0; i < 3; i++)
        {
            Pass(3);
            await h.Client.SendRawAsync(new byte[1]);
        }
        await AssertRunningAsync(h);
        Pass(1);
        Assert.Equal(RtmpError.PartialMessageTimeout, (await h.EndAsync())?.Error);
    }

    [Fact]
    public async Task A_message_that_completes_in_time_clears_the_partial_deadline()
    {
        await using var h = new SessionHarness(new RtmpOptions { IdleTimeoutSeconds = 10, PartialMessageTimeoutSeconds = 10 }, heartbeat: _heartbeat);
        await h.Client.HandshakeAsync();
        await h.Client.ConnectAppAsync();
        // A 200-byte data message, in two chunks (chunk size 128), 9 s apart.
        var payload = new byte[200];
        Array.Fill(payload, (byte)0x05); // 200 AMF0 nulls
        await h.Client.SendRawAsync((byte[])[0x05, 0, 0, 0, 0x00, 0x00, 0xC8, (byte)RtmpMessageType.Amf0Data, 0, 0, 0, 0, .. payload[..128]]);
        Pass(9);
        await h.Client.SendRawAsync((byte[])[0xC5, .. payload[128..]]);
        await PingAsync(h, 1);
        Pass(9);
        await PingAsync(h, 2);
        Pass(9);
        await AssertRunningAsync(h);
    }

    [Fact]
    public async Task A_peer_that_takes_none_of_the_output_is_closed_at_the_write_deadline()
    {
        // The server's output pipe holds 16 KiB before a flush waits: a peer that pings without reading the answers
        // leaves the session waiting in its flush. Its unread pings wait in the "socket" all along: while the session
        // waits on the peer that is not the server being behind, and the idle deadline (shorter) does not run.
        var small = new PipeOptions(pauseWriterThreshold: 16 * 1024, resumeWriterThreshold: 8 * 1024, useSynchronizationContext: false);
        await using var h = new SessionHarness(new RtmpOptions { IdleTimeoutSeconds = 10, PartialMessageTimeoutSeconds = 10, WriteTimeoutSeconds = 30 },
            heartbeat: _heartbeat, toClient: small, hasUnreadInput: () => true);
        await h.Client.HandshakeAsync();
        await h.Client.ConnectAppAsync();
        var pings = new List<byte>();
        for (var i = 0; i < 2000; i++)
        {
            pings.AddRange(PingMessage((uint)i));
        }
        await h.Client.SendRawAsync(pings.ToArray());

        // Until the session is seen waiting in its flush, time moves in steps shorter than the deadline.
        for (var step = 0; step < 200 && !h.Run.IsCompleted; step++)
        {
            Pass(3);
            await Task.Delay(10);
        }
        Assert.Equal(RtmpError.WriteTimeout, (await h.EndAsync())?.Error);
        Assert.DoesNotContain(h.Logger.Lines, line => line.Contains("overloaded", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_peer_whose_bytes_wait_unread_is_not_closed_as_idle_until_none_wait()
    {
        // The server is behind, not the peer silent: the first time the idle deadline passes, bytes wait in the socket
        // (as the socket probe would say); the second time, none do.
        var consulted = 0;
        await using var h = new SessionHarness(new RtmpOptions { IdleTimeoutSeconds = 10 }, heartbeat: _heartbeat,
            hasUnreadInput: () => Interlocked.Increment(ref consulted) == 1);
        await h.Client.HandshakeAsync();
        await h.Client.ConnectAppAsync();

        Pass(10);
        await AssertRunningAsync(h);
        Assert.Equal(1, consulted);
        Assert.Contains(h.Logger.Lines, line => line.Contains("overloaded", StringComparison.Ordinal));
        // A whole period more from the moment it was let off.
        Pass(9);
        await AssertRunningAsync(h);
        Pass(1);
        Assert.Equal(RtmpError.IdleTimeout, (await h.EndAsync())?.Error);
        Assert.Equal(2, consulted);
    }

    [Fact]
    public async Task A_publisher_stuck_half_way_through_a_huge_chunk_is_closed_as_idle_even_with_bytes_waiting()
    {
        // The socket always reports bytes waiting, but the session holds 100 KB of a 1 MB chunk it cannot parse yet:
        // the peer is stuck (Kestrel stops receiving once its read buffer is full), not the server behind.
        var consulted = 0;
        await using var h = new SessionHarness(new RtmpOptions { IdleTimeoutSeconds = 10 }, heartbeat: _heartbeat,
            hasUnreadInput: () => Interlocked.Increment(ref consulted) > 0);
        await h.Client.HandshakeAsync();
        var (_, streamId) = await h.Client.PublishAsync("key-cam1");
        await h.Client.SetChunkSizeAsync(1024 * 1024);
        // A ping first, in the same write, so its answer says the session has read the chunk's start.
        byte[] header = [0x06, 0, 0, 0, 0x0F, 0x42, 0x40, (byte)RtmpMessageType.Video, (byte)streamId, 0, 0, 0]; // 1,000,000 bytes
        await h.Client.SendRawAsync((byte[])[.. PingMessage(7), .. header, .. new byte[100_000]]);
        await AwaitPongAsync(h, 7);

        Pass(10);
        Assert.Equal(RtmpError.IdleTimeout, (await h.EndAsync())?.Error);
        Assert.Equal(0, consulted);
    }

    private static byte[] PingMessage(uint value)
    {
        var payload = new byte[6];
        BinaryPrimitives.WriteUInt16BigEndian(payload, (ushort)UserControlEvent.PingRequest);
        BinaryPrimitives.WriteUInt32BigEndian(payload.AsSpan(2), value);
        return [0x02, 0, 0, 0, 0, 0, 6, (byte)RtmpMessageType.UserControl, 0, 0, 0, 0, .. payload];
    }

    /// <summary>A ping and its answer: the session has read everything sent before it.</summary>
    private static async Task PingAsync(SessionHarness h, uint value)
    {
        await h.Client.SendRawAsync(PingMessage(value));
        await AwaitPongAsync(h, value);
    }

    private static async Task AwaitPongAsync(SessionHarness h, uint value)
    {
        while (await h.Client.ReadMessageAsync() is { } message)
        {
            if (message.Type == RtmpMessageType.UserControl && message.UInt32(2) == value
                && BinaryPrimitives.ReadUInt16BigEndian(message.Payload) == (ushort)UserControlEvent.PingResponse)
            {
                return;
            }
        }
        Assert.Fail("closed instead of answering the ping");
    }

    /// <summary>The session has not ended: a timeout decided by the last tick would have ended it well within the
    /// pause.</summary>
    private static async Task AssertRunningAsync(SessionHarness h)
    {
        await Task.Delay(100);
        Assert.False(h.Run.IsCompleted, $"the session ended: {(h.Run.Exception?.InnerException?.Message ?? "closed")}");
    }

    private async Task WaitUntilRegisteredAsync()
    {
        for (var i = 0; i < 500 && _heartbeat.Sessions == 0; i++)
        {
            await Task.Delay(10);
        }
        Assert.Equal(1, _heartbeat.Sessions);
    }
}
