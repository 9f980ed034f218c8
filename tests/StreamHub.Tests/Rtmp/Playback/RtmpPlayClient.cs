using System.Diagnostics;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using StreamHub.Rtmp.Commands;
using StreamHub.Rtmp.Messages;

namespace StreamHub.Tests.Rtmp.Playback;

/// <summary>A minimal RTMP player over a real socket: the tests' <see cref="TestRtmpClient"/> (handshake, connect,
/// acknowledgements) plus createStream and play, with every message it receives kept in order.</summary>
public sealed class RtmpPlayClient : IAsyncDisposable
{
    private readonly Socket _socket;

    private RtmpPlayClient(Socket socket, TestRtmpClient client)
    {
        _socket = socket;
        Client = client;
    }

    public TestRtmpClient Client { get; }

    public uint StreamId { get; private set; }

    /// <summary>The client's port, as the server's log lines show it ("from 127.0.0.1:PORT").</summary>
    public int LocalPort => ((IPEndPoint)_socket.LocalEndPoint!).Port;

    /// <summary>When play was sent (a <see cref="Stopwatch"/> timestamp).</summary>
    public long PlaySentAt { get; private set; }

    /// <summary>Connects from <paramref name="localAddress"/> (127.0.0.1 unless given), handshakes and sends connect("live").
    /// <paramref name="receiveBuffer"/> shrinks the socket's receive buffer (a player that stops reading fills it fast).</summary>
    public static async Task<RtmpPlayClient> ConnectAsync(int port, IPAddress? localAddress = null, int? receiveBuffer = null)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        if (receiveBuffer is { } size)
        {
            socket.ReceiveBufferSize = size;
        }
        socket.Bind(new IPEndPoint(localAddress ?? IPAddress.Loopback, 0));
        await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port)).WaitAsync(TestRtmpClient.DefaultTimeout);
        var stream = new NetworkStream(socket, ownsSocket: false);
        var client = new TestRtmpClient(PipeReader.Create(stream), PipeWriter.Create(stream), stream);
        var player = new RtmpPlayClient(socket, client);
        await client.HandshakeAsync();
        var connected = await client.ConnectAppAsync();
        Assert.True(connected?.Name == CommandNames.Result, $"connect was answered with {connected?.Name}");
        return player;
    }

    /// <summary>createStream, then play(<paramref name="name"/>); returns the code of the first onStatus that answers
    /// it (NetStream.Play.Reset for a stream that plays), or null when the server closed first.</summary>
    public async Task<string?> PlayAsync(string name)
    {
        await Client.SendCommandAsync(0, CommandNames.CreateStream, 2, [null]);
        var created = await Client.ReadCommandAsync();
        Assert.True(created?.Name == CommandNames.Result, $"createStream was answered with {created?.Name}");
        StreamId = (uint)created!.NumberArgument(0)!.Value;
        PlaySentAt = Stopwatch.GetTimestamp();
        await Client.SendCommandAsync(StreamId, CommandNames.Play, 0, null, name);
        while (await Client.ReadCommandAsync() is { } command)
        {
            if (command.Name == CommandNames.OnStatus)
            {
                return StatusCode(command);
            }
        }
        return null;
    }

    /// <summary>Reads until <paramref name="match"/>; returns the message and when it arrived (null if the server closed first).</summary>
    public async Task<(ReceivedMessage Message, long At)?> ReadUntilAsync(Func<ReceivedMessage, bool> match, TimeSpan timeout)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        while (true)
        {
            var left = TimeSpan.FromSeconds((deadline - Stopwatch.GetTimestamp()) / (double)Stopwatch.Frequency);
            Assert.True(left > TimeSpan.Zero, $"no matching message within {timeout}");
            if (await Client.ReadMessageAsync(left) is not { } message)
            {
                return null;
            }
            if (match(message))
            {
                return (message, Stopwatch.GetTimestamp());
            }
        }
    }

    public static string? StatusCode(RtmpCommand command) =>
        command.Arguments.Count > 0 && command.Arguments[^1] is IReadOnlyDictionary<string, object?> info && info.TryGetValue("code", out var code)
            ? code as string
            : null;

    /// <summary>An AVC/HEVC coded video frame (not a sequence header) that is a keyframe: FLV frame type 1.</summary>
    public static bool IsCodedKeyframe(ReceivedMessage message) =>
        message.Type == RtmpMessageType.Video && message.Payload.Length > 1 && message.Payload[0] >> 4 == 1 && message.Payload[1] == 1;

    public static bool IsVideoSequenceHeader(ReceivedMessage message) =>
        message.Type == RtmpMessageType.Video && message.Payload.Length > 1 && message.Payload[1] == 0;

    public async ValueTask DisposeAsync()
    {
        await Client.DisposeAsync();
        _socket.Dispose();
    }
}
