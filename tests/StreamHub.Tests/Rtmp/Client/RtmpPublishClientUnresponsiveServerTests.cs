using System.Buffers;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using StreamHub.Rtmp;
using StreamHub.Rtmp.Client;
using StreamHub.Rtmp.Handshake;

namespace StreamHub.Tests.Rtmp.Client;

/// <summary><see cref="RtmpPublishClient"/> against servers that misbehave, over real sockets: silent ones time out
/// within <see cref="RtmpClientOptions.ReplyTimeout"/>, a close and a non-RTMP answer are told apart, and the caller's
/// own cancellation stays a cancellation.</summary>
public sealed class RtmpPublishClientUnresponsiveServerTests
{
    private static readonly RtmpClientOptions Short = new() { ReplyTimeout = TimeSpan.FromMilliseconds(500) };

    [Fact]
    public async Task A_server_that_never_answers_the_handshake_times_out_within_the_bound()
    {
        await using var server = OneConnectionServer.Start(DiscardAsync);
        await using var client = await RtmpPublishClient.ConnectAsync(server.EndPoint, Short);
        var watch = Stopwatch.StartNew();

        var timedOut = await Assert.ThrowsAsync<RtmpClientException>(() => client.HandshakeAsync());

        Assert.Equal(RtmpClientError.Timeout, timedOut.Error);
        Assert.StartsWith("the handshake timed out", timedOut.Message, StringComparison.Ordinal);
        Assert.InRange(watch.Elapsed, TimeSpan.FromSeconds(0.4), TimeSpan.FromSeconds(5));
        Assert.Equal(RtmpPublishClientState.Handshake, client.State);
    }

    [Fact]
    public async Task A_server_that_goes_silent_after_the_handshake_times_out_at_connect()
    {
        await using var server = OneConnectionServer.Start(async (stream, stop) =>
        {
            await AnswerHandshakeAsync(stream, stop);
            await DiscardAsync(stream, stop);
        });
        await using var client = await RtmpPublishClient.ConnectAsync(server.EndPoint, Short);
        await client.HandshakeAsync();
        var watch = Stopwatch.StartNew();

        var timedOut = await Assert.ThrowsAsync<RtmpClientException>(() => client.ConnectAppAsync("live", "rtmp://127.0.0.1/live"));

        Assert.Equal(RtmpClientError.Timeout, timedOut.Error);
        Assert.StartsWith("connect timed out", timedOut.Message, StringComparison.Ordinal);
        Assert.InRange(watch.Elapsed, TimeSpan.FromSeconds(0.4), TimeSpan.FromSeconds(5));
        Assert.Equal(RtmpPublishClientState.AwaitingConnect, client.State);
    }

    [Fact]
    public async Task The_callers_token_cancels_before_the_bound_and_stays_a_cancellation()
    {
        await using var server = OneConnectionServer.Start(DiscardAsync);
        await using var client = await RtmpPublishClient.ConnectAsync(server.EndPoint, new RtmpClientOptions { ReplyTimeout = TimeSpan.FromSeconds(30) });
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        var watch = Stopwatch.StartNew();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.HandshakeAsync(cancellationToken: cancel.Token));

        Assert.InRange(watch.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task A_server_that_closes_instead_of_answering_is_ConnectionClosed()
    {
        await using var server = OneConnectionServer.Start(async (stream, stop) =>
        {
            await stream.ReadExactlyAsync(new byte[1 + HandshakeDigest.PacketSize], stop);
            stream.Socket.Shutdown(SocketShutdown.Send);
            await DiscardAsync(stream, stop);
        });
        await using var client = await RtmpPublishClient.ConnectAsync(server.EndPoint, Short);

        var closed = await Assert.ThrowsAsync<RtmpClientException>(() => client.HandshakeAsync());

        Assert.Equal(RtmpClientError.ConnectionClosed, closed.Error);
        Assert.Contains("the handshake", closed.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_HTTP_server_is_a_protocol_violation_at_the_first_byte()
    {
        await using var server = OneConnectionServer.Start(async (stream, stop) =>
        {
            await stream.ReadExactlyAsync(new byte[1 + HandshakeDigest.PacketSize], stop);
            await stream.WriteAsync("HTTP/1.1 400 Bad Request\r\n\r\n"u8.ToArray(), stop);
            await DiscardAsync(stream, stop);
        });
        await using var client = await RtmpPublishClient.ConnectAsync(server.EndPoint, Short);

        var violation = await Assert.ThrowsAsync<RtmpClientException>(() => client.HandshakeAsync());

        Assert.Equal(RtmpClientError.ProtocolViolation, violation.Error);
        Assert.Equal(RtmpError.UnsupportedVersion, Assert.IsType<RtmpProtocolException>(violation.InnerException).Error);
        Assert.Contains("S0 version 72", violation.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task No_listener_at_the_address_is_a_socket_error_not_a_wait()
    {
        // A port bound and never listened on: a connection to it is refused, and no other test's server can take the
        // port meanwhile (one that did, between a probe listener's stop and the connect, answered and reset it).
        using var holder = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        holder.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var port = ((IPEndPoint)holder.LocalEndPoint!).Port;
        var watch = Stopwatch.StartNew();

        var refused = await Assert.ThrowsAsync<SocketException>(() => RtmpPublishClient.ConnectAsync("127.0.0.1", port, Short));

        Assert.Equal(SocketError.ConnectionRefused, refused.SocketErrorCode);
        Assert.InRange(watch.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(5));
    }

    /// <summary>Reads C0 and C1 and answers with S0, S1 and S2 the way StreamHub does.</summary>
    private static async Task AnswerHandshakeAsync(NetworkStream stream, CancellationToken stop)
    {
        var c0c1 = new byte[1 + HandshakeDigest.PacketSize];
        await stream.ReadExactlyAsync(c0c1, stop);
        var answer = new ArrayBufferWriter<byte>();
        HandshakeWriter.WriteS0S1S2(answer, c0c1.AsSpan(1), 0, new byte[HandshakeDigest.PacketSize - 8]);
        await stream.WriteAsync(answer.WrittenMemory, stop);
    }

    /// <summary>Reads and drops everything until the client closes.</summary>
    private static async Task DiscardAsync(NetworkStream stream, CancellationToken stop)
    {
        var buffer = new byte[4096];
        while (await stream.ReadAsync(buffer, stop) > 0)
        {
        }
    }

    /// <summary>A loopback listener that runs <c>script</c> on the first connection it accepts.</summary>
    private sealed class OneConnectionServer : IAsyncDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly CancellationTokenSource _stop = new();
        private Task _served = Task.CompletedTask;

        public IPEndPoint EndPoint => (IPEndPoint)_listener.LocalEndpoint;

        public static OneConnectionServer Start(Func<NetworkStream, CancellationToken, Task> script)
        {
            var server = new OneConnectionServer();
            server._listener.Start();
            server._served = server.ServeAsync(script);
            return server;
        }

        private async Task ServeAsync(Func<NetworkStream, CancellationToken, Task> script)
        {
            try
            {
                using var socket = await _listener.AcceptSocketAsync(_stop.Token);
                await using var stream = new NetworkStream(socket);
                await script(stream, _stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or IOException or SocketException)
            {
                // The test is over or the client went away: nothing left to serve.
            }
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            _listener.Stop();
            await _served.WaitAsync(TimeSpan.FromSeconds(10));
            _stop.Dispose();
        }
    }
}
