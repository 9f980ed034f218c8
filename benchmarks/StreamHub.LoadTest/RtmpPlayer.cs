using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using StreamHub.Rtmp;
using StreamHub.Rtmp.Amf;
using StreamHub.Rtmp.Commands;
using StreamHub.Rtmp.Handshake;
using StreamHub.Rtmp.Messages;

namespace StreamHub.LoadTest;

/// <summary>A load-test RTMP player: simple handshake, connect, createStream, play, then it reads the stream and throws
/// the media away. Cheap by design, so that hundreds of them on the server's cores measure the server, not the
/// players: one receive buffer per player (pooled), chunk headers parsed in place, media payloads skipped without
/// being copied or reassembled (<see cref="PlayerChunkParser"/>), no allocation per chunk or message. Each complete
/// video message is looked up by its timestamp in the publisher's <see cref="FrameSendLog"/> and given two latencies:
/// to the kernel's timestamp of the receive that completed it (<see cref="KernelReceiveClock"/>: when the server's send
/// delivered it, the server's figure) and to the moment this player's receive returned (which adds the load
/// generator's own scheduling on the shared cores).</summary>
public sealed class RtmpPlayer : IFanOutViewer, IPlayerMessageSink
{
    private const int BufferSize = 64 * 1024;
    private const int HandshakeSize = HandshakeDigest.PacketSize;
    private const int CommandChunkStream = 3;
    private const int PlayChunkStream = 8;
    private const string PlayCommand = "play";
    private const string PlayStart = "NetStream.Play.Start";
    private static readonly TimeSpan ReplyTimeout = TimeSpan.FromSeconds(20);

    private readonly Socket _socket;
    private readonly byte[] _buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
    private readonly PlayerChunkParser _chunks;
    private readonly ArrayBufferWriter<byte> _outgoing = new(1024);
    private readonly ArrayBufferWriter<byte> _scratch = new(512);
    private readonly TaskCompletionSource _playing = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly FrameSendLog _sendLog;
    private readonly LatencyHistogram _latency;
    private readonly LatencyHistogram _readLatency;
    private readonly string _app;
    private readonly string _name;
    private readonly int _port;
    private Task _loop = Task.CompletedTask;
    private PlayerPoller? _poller;
    private int _filled;
    private int _disposed;

    private long _acknowledgementWindow;
    private long _received;
    private long _acknowledged;
    private uint _streamId;
    private long _receivedAt;
    private long _stampedAt;

    private RtmpPlayer(Socket socket, string app, string name, int port, FrameSendLog sendLog, LatencyHistogram latency,
        LatencyHistogram readLatency)
    {
        _socket = socket;
        _app = app;
        _name = name;
        _port = port;
        _sendLog = sendLog;
        _latency = latency;
        _readLatency = readLatency;
        _chunks = new PlayerChunkParser(this);
    }

    public long VideoMessages { get; private set; }

    public long AudioMessages { get; private set; }

    public long Receives { get; private set; }

    public long BytesReceived => _received;

    /// <summary>This player's end of the connection, once connected.</summary>
    public EndPoint? LocalEndPoint => _socket.LocalEndPoint;

    /// <summary>The timestamp of the last video message, or −1.</summary>
    public long LastVideoTimestamp { get; private set; } = -1;

    /// <summary>Set when the connection ended or broke; says why.</summary>
    public string? Ended { get; private set; }

    /// <summary>Connects, plays <paramref name="name"/> and returns once the server answered NetStream.Play.Start;
    /// reading goes on in the background until <see cref="DisposeAsync"/>.</summary>
    /// <remarks>With a <paramref name="poller"/> the conversation runs on blocking calls and the poller reads the
    /// stream: the socket never meets the runtime's epoll thread (<see cref="PlayerPoller"/>).</remarks>
    public static async Task<RtmpPlayer> PlayAsync(int port, string app, string name, FrameSendLog sendLog, LatencyHistogram latency,
        LatencyHistogram readLatency, PlayerPoller? poller, CancellationToken cancellationToken)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        KernelReceiveClock.Enable(socket);
        var player = new RtmpPlayer(socket, app, name, port, sendLog, latency, readLatency);
        try
        {
            if (poller is not null)
            {
                await Task.Run(player.PlayBlocking, cancellationToken).WaitAsync(ReplyTimeout, cancellationToken);
                player._poller = poller;
                poller.Add(player);
                return player;
            }
            await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), cancellationToken).AsTask().WaitAsync(ReplyTimeout, cancellationToken);
            player._loop = player.RunAsync();
            await player._playing.Task.WaitAsync(ReplyTimeout, cancellationToken);
        }
        catch
        {
            await player.DisposeAsync();
            throw;
        }
        return player;
    }

    private async Task RunAsync()
    {
        try
        {
            var filled = await HandshakeAsync();
            WriteConnect();
            await FlushAsync();
            while (true)
            {
                filled = Consume(filled);
                if (_outgoing.WrittenCount > 0)
                {
                    await FlushAsync();
                }
                // A zero-byte wait, then the receive itself with its kernel timestamp.
                await _socket.ReceiveAsync(Memory<byte>.Empty, SocketFlags.None);
                var read = KernelReceiveClock.Receive(_socket, _buffer.AsSpan(filled), out _stampedAt);
                if (read < 0)
                {
                    continue;
                }
                if (read == 0)
                {
                    End("the server closed the connection");
                    return;
                }
                filled += read;
                CountReceived(read);
            }
        }
        catch (Exception e)
        {
            // Whatever ends the loop (the socket, a protocol surprise) is this player's end, reported in the table.
            Fail(e.Message);
        }
    }

    /// <summary>The handshake and the play conversation on blocking calls, up to NetStream.Play.Start; what arrived
    /// after it stays in the buffer for <see cref="Poll"/>.</summary>
    private void PlayBlocking()
    {
        _socket.ReceiveTimeout = _socket.SendTimeout = (int)ReplyTimeout.TotalMilliseconds;
        _socket.Connect(new IPEndPoint(IPAddress.Loopback, _port));
        _socket.Send(C0C1());
        var filled = 0;
        while (filled < 1 + 2 * HandshakeSize)
        {
            filled += ReceiveBlocking(_buffer.AsSpan(filled));
        }
        if (_buffer[0] != HandshakeReader.RtmpVersion)
        {
            throw new InvalidDataException($"S0 version {_buffer[0]}");
        }
        _socket.Send(_buffer.AsSpan(1, HandshakeSize));
        var rest = filled - (1 + 2 * HandshakeSize);
        _buffer.AsSpan(1 + 2 * HandshakeSize, rest).CopyTo(_buffer);
        filled = rest;
        WriteConnect();
        while (true)
        {
            filled = Consume(filled);
            if (_outgoing.WrittenCount > 0)
            {
                _socket.Send(_outgoing.WrittenSpan);
                _outgoing.ResetWrittenCount();
            }
            if (_playing.Task.IsCompleted)
            {
                _playing.Task.GetAwaiter().GetResult();
                _filled = filled;
                return;
            }
            var read = ReceiveBlocking(_buffer.AsSpan(filled));
            _receivedAt = Stopwatch.GetTimestamp();
            filled += read;
            _received += read;
        }
    }

    private int ReceiveBlocking(Span<byte> into)
    {
        var read = _socket.Receive(into);
        return read > 0 ? read : throw new InvalidDataException("the server closed the connection before Play.Start");
    }

    /// <summary>Parses what the buffer holds and keeps a partial header at its start; returns the bytes kept.</summary>
    private int Consume(int filled)
    {
        var consumed = _chunks.Parse(_buffer.AsSpan(0, filled));
        if (consumed < filled)
        {
            _buffer.AsSpan(consumed, filled - consumed).CopyTo(_buffer);
        }
        return filled - consumed;
    }

    /// <summary>Reads whatever the socket holds, without waiting (the poller's thread).</summary>
    internal void Poll()
    {
        if (Ended is not null)
        {
            return;
        }
        try
        {
            while (true)
            {
                var read = KernelReceiveClock.Receive(_socket, _buffer.AsSpan(_filled), out _stampedAt);
                if (read < 0)
                {
                    return;
                }
                if (read == 0)
                {
                    End("the server closed the connection");
                    return;
                }
                CountReceived(read);
                _filled = Consume(_filled + read);
                if (_outgoing.WrittenCount > 0)
                {
                    PlayerPoller.Send(_socket, _outgoing.WrittenSpan);
                    _outgoing.ResetWrittenCount();
                }
            }
        }
        catch (Exception e)
        {
            Fail(e.Message);
        }
    }

    /// <summary>A receive of <paramref name="read"/> bytes while playing: its time (for the read latency), the counts,
    /// and the acknowledgement when one is due.</summary>
    private void CountReceived(int read)
    {
        _receivedAt = Stopwatch.GetTimestamp();
        Receives++;
        _received += read;
        AcknowledgeIfDue();
    }

    private void AcknowledgeIfDue()
    {
        if (_acknowledgementWindow > 0 && _received - _acknowledged >= _acknowledgementWindow)
        {
            // Acknowledgement: the bytes received so far (RTMP 1.0 §5.4.3), wrapping at 2^32.
            ControlMessageWriter.WriteAcknowledgement(_outgoing, unchecked((uint)_received), 128);
            _acknowledged = _received;
        }
    }

    /// <summary>C0 + C1 of the simple handshake (version zero).</summary>
    private static byte[] C0C1()
    {
        var c0c1 = new byte[1 + HandshakeSize];
        c0c1[0] = HandshakeReader.RtmpVersion;
        var random = new byte[HandshakeSize - 8];
        Random.Shared.NextBytes(random);
        ClientHandshake.WriteC1(c0c1.AsSpan(1), HandshakeScheme.Simple, random);
        return c0c1;
    }

    /// <summary>C0 + C1, S0 S1 S2, C2 = S1. Returns how many bytes past S2 are in the buffer.</summary>
    private async Task<int> HandshakeAsync()
    {
        await SendAllAsync(C0C1());
        var filled = 0;
        while (filled < 1 + 2 * HandshakeSize)
        {
            var read = await _socket.ReceiveAsync(_buffer.AsMemory(filled), SocketFlags.None);
            if (read == 0)
            {
                throw new InvalidDataException("the server closed the connection during the handshake");
            }
            filled += read;
            if (_buffer[0] != HandshakeReader.RtmpVersion)
            {
                throw new InvalidDataException($"S0 version {_buffer[0]}");
            }
        }
        await SendAllAsync(_buffer.AsMemory(1, HandshakeSize));
        var rest = filled - (1 + 2 * HandshakeSize);
        _buffer.AsSpan(1 + 2 * HandshakeSize, rest).CopyTo(_buffer);
        return rest;
    }

    void IPlayerMessageSink.OnSkippedMessage(byte type, uint timestamp, int length)
    {
        switch ((RtmpMessageType)type)
        {
            case RtmpMessageType.Video:
                VideoMessages++;
                LastVideoTimestamp = timestamp;
                if (_stampedAt != 0)
                {
                    _latency.Add(_sendLog, timestamp, _stampedAt);
                }
                _readLatency.Add(_sendLog, timestamp, _receivedAt);
                break;
            case RtmpMessageType.Audio:
                AudioMessages++;
                break;
        }
    }

    void IPlayerMessageSink.OnMessage(byte type, uint timestamp, ReadOnlySpan<byte> payload)
    {
        switch ((RtmpMessageType)type)
        {
            case RtmpMessageType.WindowAcknowledgementSize when payload.Length >= 4:
                _acknowledgementWindow = BinaryPrimitives.ReadUInt32BigEndian(payload);
                break;
            case RtmpMessageType.UserControl when payload.Length >= 6:
                var userEvent = (UserControlEvent)BinaryPrimitives.ReadUInt16BigEndian(payload);
                var value = BinaryPrimitives.ReadUInt32BigEndian(payload[2..]);
                if (userEvent == UserControlEvent.PingRequest)
                {
                    ControlMessageWriter.WriteUserControl(_outgoing, UserControlEvent.PingResponse, value, 128);
                }
                else if (userEvent == UserControlEvent.StreamEof)
                {
                    End("StreamEOF: the publisher stopped");
                }
                break;
            case RtmpMessageType.Amf0Command:
                OnCommand(AmfMessageReader.ReadCommand(new ReadOnlySequence<byte>(payload.ToArray()), amf3: false, maxDepth: 16));
                break;
        }
    }

    /// <summary>The conversation: connect's _result → createStream; its _result → play; onStatus Play.Start → playing.</summary>
    private void OnCommand(RtmpCommand command)
    {
        switch (command.Name)
        {
            case CommandNames.Result when command.TransactionId == 1:
                CommandWriter.Write(_outgoing, _scratch, CommandChunkStream, 0, 128, CommandNames.CreateStream, 2, [null]);
                break;
            case CommandNames.Result when command.TransactionId == 2:
                _streamId = command.NumberArgument(0) is { } id and >= 1 and <= uint.MaxValue ? (uint)id
                    : throw new InvalidDataException("createStream answered without a stream id");
                // play(name, start -2: live or recorded, as FFmpeg sends it), then a 1 s buffer length as players do.
                CommandWriter.Write(_outgoing, _scratch, PlayChunkStream, _streamId, 128, PlayCommand, 3, null, _name, -2.0);
                Span<byte> bufferLength = stackalloc byte[10];
                BinaryPrimitives.WriteUInt16BigEndian(bufferLength, (ushort)UserControlEvent.SetBufferLength);
                BinaryPrimitives.WriteUInt32BigEndian(bufferLength[2..], _streamId);
                BinaryPrimitives.WriteUInt32BigEndian(bufferLength[6..], 1000);
                StreamHub.Rtmp.Chunking.ChunkWriter.WriteMessage(_outgoing, ControlMessageWriter.ControlChunkStreamId, 0,
                    RtmpMessageType.UserControl, 0, bufferLength, 128);
                break;
            case CommandNames.Error:
                Fail($"{command.TransactionId switch { 1 => "connect", 2 => "createStream", _ => "a command" }} refused: {Code(command)}");
                break;
            case CommandNames.OnStatus:
                var code = Code(command);
                if (code == PlayStart)
                {
                    _playing.TrySetResult();
                }
                else if ((command.Arguments.Count > 0 ? command.Arguments[0] as AmfObject : null)?.GetString("level") == RtmpStatusCodes.LevelError)
                {
                    Fail($"play refused: {code}");
                }
                else if (code is "NetStream.Play.UnpublishNotify" or "NetStream.Play.Stop")
                {
                    End(code);
                }
                break;
        }
    }

    private static string? Code(RtmpCommand command) =>
        (command.Arguments.Count > 0 ? command.Arguments[0] as AmfObject : null)?.GetString("code");

    private void WriteConnect() =>
        CommandWriter.Write(_outgoing, _scratch, CommandChunkStream, 0, 128, CommandNames.Connect, 1, new AmfObject
        {
            ["app"] = _app,
            ["flashVer"] = "LNX 9,0,124,2",
            ["tcUrl"] = $"rtmp://127.0.0.1:{_port}/{_app}",
            ["fpad"] = false,
            ["capabilities"] = 15.0,
            ["audioCodecs"] = 4071.0,
            ["videoCodecs"] = 252.0,
            ["videoFunction"] = 1.0,
        });

    private void Fail(string why)
    {
        End(why);
        _playing.TrySetException(new InvalidOperationException(why));
    }

    private void End(string why)
    {
        Ended ??= why;
        _playing.TrySetException(new InvalidOperationException($"the connection ended before Play.Start: {why}"));
    }

    private async ValueTask FlushAsync()
    {
        await SendAllAsync(_outgoing.WrittenMemory);
        _outgoing.ResetWrittenCount();
    }

    private async ValueTask SendAllAsync(ReadOnlyMemory<byte> bytes)
    {
        while (!bytes.IsEmpty)
        {
            var sent = await _socket.SendAsync(bytes, SocketFlags.None);
            bytes = bytes[sent..];
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        Ended ??= "closed by the load test";
        _poller?.Remove(this);
        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (SocketException)
        {
        }
        _socket.Dispose();
        try
        {
            await _loop;
        }
        catch (Exception)
        {
            // The loop ends with the socket.
        }
        _chunks.Dispose();
        ArrayPool<byte>.Shared.Return(_buffer);
    }
}
