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
/// being copied or reassembled, no allocation per chunk or message. Only control and command messages (a few during
/// the conversation, then the odd ping) are reassembled, into a pooled array.
/// <code>
/// basic header: fmt(2) csid(6); csid 0 → 1 more byte (64..319); csid 1 → 2 more bytes, LE (64..65599)
/// fmt 0 (11): timestamp(3) length(3) type(1) stream id(4, LE)
/// fmt 1 (7):  delta(3) length(3) type(1)
/// fmt 2 (3):  delta(3)
/// fmt 3 (0):  everything inherited; a new message adds the last delta again
/// extended timestamp (4) when the 24-bit field is 0xFFFFFF, and on fmt 3 chunks of such a stream (RTMP 1.0 §5.3.1.3)
/// </code>
/// Each complete video message is stamped with the time of the receive that completed it and looked up by its
/// timestamp in the publisher's <see cref="FrameSendLog"/>: the frame's delivery latency.</summary>
public sealed class RtmpPlayer : IFanOutViewer
{
    private const int BufferSize = 64 * 1024;
    private const int MaxChunkStreams = 320;
    private const int MaxKeptMessage = 64 * 1024;
    private const int MaxMessage = 16 * 1024 * 1024;
    private const int HandshakeSize = HandshakeDigest.PacketSize;
    private const int CommandChunkStream = 3;
    private const int PlayChunkStream = 8;
    private const string PlayCommand = "play";
    private const string PlayStart = "NetStream.Play.Start";
    private static readonly TimeSpan ReplyTimeout = TimeSpan.FromSeconds(20);

    private readonly Socket _socket;
    private readonly byte[] _buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
    private readonly ChunkStreamState[] _streams = new ChunkStreamState[MaxChunkStreams];
    private readonly ArrayBufferWriter<byte> _outgoing = new(1024);
    private readonly ArrayBufferWriter<byte> _scratch = new(512);
    private readonly TaskCompletionSource _playing = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly FrameSendLog _sendLog;
    private readonly LatencyHistogram _latency;
    private readonly string _app;
    private readonly string _name;
    private readonly int _port;
    private Task _loop = Task.CompletedTask;

    private int _chunkSize = 128;
    private long _acknowledgementWindow;
    private long _received;
    private long _acknowledged;
    private int _payloadChunkStream = -1;
    private int _payloadLeft;
    private uint _streamId;
    private long _receivedAt;

    private RtmpPlayer(Socket socket, string app, string name, int port, FrameSendLog sendLog, LatencyHistogram latency)
    {
        _socket = socket;
        _app = app;
        _name = name;
        _port = port;
        _sendLog = sendLog;
        _latency = latency;
    }

    public long VideoMessages { get; private set; }

    public long AudioMessages { get; private set; }

    public long Receives { get; private set; }

    public long BytesReceived => _received;

    /// <summary>The timestamp of the last video message, or −1.</summary>
    public long LastVideoTimestamp { get; private set; } = -1;

    /// <summary>Set when the connection ended or broke; says why.</summary>
    public string? Ended { get; private set; }

    /// <summary>Connects, plays <paramref name="name"/> and returns once the server answered NetStream.Play.Start;
    /// reading goes on in the background until <see cref="DisposeAsync"/>.</summary>
    public static async Task<RtmpPlayer> PlayAsync(int port, string app, string name, FrameSendLog sendLog, LatencyHistogram latency,
        CancellationToken cancellationToken)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        var player = new RtmpPlayer(socket, app, name, port, sendLog, latency);
        try
        {
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
                var consumed = Parse(_buffer.AsSpan(0, filled));
                if (consumed < filled)
                {
                    // A partial header: keep it at the start of the buffer.
                    _buffer.AsSpan(consumed, filled - consumed).CopyTo(_buffer);
                }
                filled -= consumed;
                if (_outgoing.WrittenCount > 0)
                {
                    await FlushAsync();
                }
                var read = await _socket.ReceiveAsync(_buffer.AsMemory(filled), SocketFlags.None);
                if (read == 0)
                {
                    End("the server closed the connection");
                    return;
                }
                _receivedAt = Stopwatch.GetTimestamp();
                Receives++;
                filled += read;
                _received += read;
                if (_acknowledgementWindow > 0 && _received - _acknowledged >= _acknowledgementWindow)
                {
                    // Acknowledgement: the bytes received so far (RTMP 1.0 §5.4.3), wrapping at 2^32.
                    ControlMessageWriter.WriteAcknowledgement(_outgoing, unchecked((uint)_received), 128);
                    _acknowledged = _received;
                }
            }
        }
        catch (Exception e)
        {
            // Whatever ends the loop (the socket, a protocol surprise) is this player's end, reported in the table.
            Fail(e.Message);
        }
    }

    /// <summary>C0 + C1 (simple: version zero), S0 S1 S2, C2 = S1. Returns how many bytes past S2 are in the buffer.</summary>
    private async Task<int> HandshakeAsync()
    {
        var c0c1 = new byte[1 + HandshakeSize];
        c0c1[0] = HandshakeReader.RtmpVersion;
        var random = new byte[HandshakeSize - 8];
        Random.Shared.NextBytes(random);
        ClientHandshake.WriteC1(c0c1.AsSpan(1), HandshakeScheme.Simple, random);
        await SendAllAsync(c0c1);
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

    /// <summary>Parses chunks from <paramref name="data"/>; returns how much it consumed (all but a partial header).
    /// Payload bytes are consumed as they come, whether or not the chunk is complete.</summary>
    private int Parse(ReadOnlySpan<byte> data)
    {
        var position = 0;
        while (true)
        {
            if (_payloadLeft > 0)
            {
                var take = Math.Min(_payloadLeft, data.Length - position);
                ref var current = ref _streams[_payloadChunkStream];
                if (current.Kept is not null)
                {
                    data.Slice(position, take).CopyTo(current.Kept.AsSpan(current.Length - current.Remaining));
                }
                position += take;
                _payloadLeft -= take;
                current.Remaining -= take;
                if (_payloadLeft > 0)
                {
                    return position;
                }
                if (current.Remaining == 0)
                {
                    Complete(ref current);
                }
                continue;
            }
            var header = TryReadHeader(data[position..]);
            if (header == 0)
            {
                return position;
            }
            position += header;
            ref var stream = ref _streams[_payloadChunkStream];
            if (stream.Remaining == 0)
            {
                Complete(ref stream);
            }
        }
    }

    /// <summary>Reads one chunk header and starts its payload; 0 when the header is not all there.</summary>
    private int TryReadHeader(ReadOnlySpan<byte> data)
    {
        if (data.IsEmpty)
        {
            return 0;
        }
        var format = data[0] >> 6;
        var chunkStream = data[0] & 0x3F;
        var length = 1;
        if (chunkStream == 0)
        {
            if (data.Length < 2)
            {
                return 0;
            }
            chunkStream = 64 + data[1];
            length = 2;
        }
        else if (chunkStream == 1)
        {
            if (data.Length < 3)
            {
                return 0;
            }
            chunkStream = 64 + data[1] + (data[2] << 8);
            length = 3;
        }
        if (chunkStream >= MaxChunkStreams)
        {
            throw new InvalidDataException($"chunk stream {chunkStream} (this player keeps {MaxChunkStreams})");
        }
        ref var stream = ref _streams[chunkStream];
        var headerLength = format switch { 0 => 11, 1 => 7, 2 => 3, _ => 0 };
        if (data.Length < length + headerLength)
        {
            return 0;
        }
        var fields = data.Slice(length, headerLength);
        uint timestampField = 0;
        var extended = stream.Extended;
        if (format < 3)
        {
            timestampField = (uint)((fields[0] << 16) | (fields[1] << 8) | fields[2]);
            extended = timestampField == 0xFFFFFF;
        }
        var total = length + headerLength + (extended ? 4 : 0);
        if (data.Length < total)
        {
            return 0;
        }
        if (extended)
        {
            timestampField = BinaryPrimitives.ReadUInt32BigEndian(data[(length + headerLength)..]);
        }
        var startsMessage = stream.Remaining == 0;
        if (!startsMessage && format != 3)
        {
            throw new InvalidDataException($"a format {format} header on chunk stream {chunkStream} in the middle of a message");
        }
        stream.Extended = extended;
        if (format <= 1)
        {
            stream.Length = (fields[3] << 16) | (fields[4] << 8) | fields[5];
            stream.Type = fields[6];
            if (stream.Length > MaxMessage)
            {
                throw new InvalidDataException($"a {stream.Length}-byte message");
            }
        }
        if (startsMessage)
        {
            switch (format)
            {
                case 0:
                    stream.Timestamp = timestampField;
                    stream.Delta = 0;
                    break;
                case 1:
                case 2:
                    stream.Delta = timestampField;
                    stream.Timestamp += timestampField;
                    break;
                default:
                    stream.Timestamp += stream.Delta;
                    break;
            }
            stream.Remaining = stream.Length;
            if (Keeps(stream.Type))
            {
                if (stream.Length > MaxKeptMessage)
                {
                    throw new InvalidDataException($"a {stream.Length}-byte message of type {stream.Type}");
                }
                stream.Kept = ArrayPool<byte>.Shared.Rent(Math.Max(1, stream.Length));
            }
        }
        _payloadChunkStream = chunkStream;
        _payloadLeft = Math.Min(_chunkSize, stream.Remaining);
        return total;
    }

    /// <summary>Control and command messages are read; media and data are skipped.</summary>
    private static bool Keeps(byte type) => type is (byte)RtmpMessageType.SetChunkSize or (byte)RtmpMessageType.Abort
        or (byte)RtmpMessageType.UserControl or (byte)RtmpMessageType.WindowAcknowledgementSize
        or (byte)RtmpMessageType.Amf0Command;

    private void Complete(ref ChunkStreamState stream)
    {
        switch ((RtmpMessageType)stream.Type)
        {
            case RtmpMessageType.Video:
                VideoMessages++;
                LastVideoTimestamp = stream.Timestamp;
                _latency.Add(_sendLog, stream.Timestamp, _receivedAt);
                return;
            case RtmpMessageType.Audio:
                AudioMessages++;
                return;
        }
        var kept = stream.Kept;
        if (kept is null)
        {
            return;
        }
        stream.Kept = null;
        try
        {
            var payload = kept.AsSpan(0, stream.Length);
            switch ((RtmpMessageType)stream.Type)
            {
                case RtmpMessageType.SetChunkSize when payload.Length >= 4:
                    var size = (int)(BinaryPrimitives.ReadUInt32BigEndian(payload) & 0x7FFFFFFF);
                    if (size is < 1 or > 0xFFFFFF)
                    {
                        throw new InvalidDataException($"Set Chunk Size {size}");
                    }
                    _chunkSize = size;
                    break;
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
                    OnCommand(AmfMessageReader.ReadCommand(new ReadOnlySequence<byte>(kept, 0, stream.Length), amf3: false, maxDepth: 16));
                    break;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(kept);
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
        Ended ??= "closed by the load test";
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
        foreach (var stream in _streams)
        {
            if (stream.Kept is not null)
            {
                ArrayPool<byte>.Shared.Return(stream.Kept);
            }
        }
        ArrayPool<byte>.Shared.Return(_buffer);
    }

    /// <summary>What the player remembers of one chunk stream: the last header's fields and the message in progress.</summary>
    private struct ChunkStreamState
    {
        public uint Timestamp;
        public uint Delta;
        public int Length;
        public byte Type;
        public bool Extended;
        /// <summary>Payload bytes of the current message not read yet; 0 between messages.</summary>
        public int Remaining;
        /// <summary>The reassembly array of a control or command message; null for skipped ones.</summary>
        public byte[]? Kept;
    }
}
