using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using StreamHub.Rtmp.Amf;
using StreamHub.Rtmp.Chunking;
using StreamHub.Rtmp.Client;
using StreamHub.Rtmp.Commands;
using StreamHub.Rtmp.Handshake;
using StreamHub.Rtmp.Messages;
using StreamHub.Tests.Infrastructure;

namespace StreamHub.Tests.Rtmp;

/// <summary>The server's <see cref="RtmpPublishClient"/> with what tests need around it: every received message kept in
/// <see cref="Received"/>, refusals returned as status codes rather than thrown, and raw writes (any chunk stream, any
/// message stream, crafted bytes) for the hostile-peer tests. The conversation itself is the client's.</summary>
public sealed class TestRtmpClient : IAsyncDisposable
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(10);

    /// <summary>The flashVer the tests' publishers announce; the server shows it as the encoder.</summary>
    private const string FlashVersion = "FMLE/3.0 (compatible; StreamHub test)";

    private readonly PipeReader _input;
    private readonly PipeWriter _output;
    private readonly IDisposable? _socket;
    private readonly RtmpPublishClient _client;

    /// <param name="handshakeDone">The pipes come after a handshake already run (an RTMPE pipe): start at connect.</param>
    public TestRtmpClient(PipeReader input, PipeWriter output, IDisposable? socket = null, bool handshakeDone = false)
    {
        _input = input;
        _output = output;
        _socket = socket;
        _client = new RtmpPublishClient(new TestDuplexPipe(input, output),
            new RtmpClientOptions { ReplyTimeout = DefaultTimeout, FlashVersion = FlashVersion, MaxMessageSize = 64 * 1024 * 1024 })
        {
            MessageReceived = message => Received.Add(
                new ReceivedMessage(message.Type, message.StreamId, message.Timestamp, message.Payload.ToArray())),
        };
        if (handshakeDone)
        {
            _client.HandshakeDoneByTransport();
        }
    }

    public int OutChunkSize => _client.OutChunkSize;

    /// <summary>Every message received, in order (commands included).</summary>
    public List<ReceivedMessage> Received { get; } = [];

    public static async Task<TestRtmpClient> ConnectAsync(int port)
    {
        var client = new TcpClient { NoDelay = true };
        await client.ConnectAsync(IPAddress.Loopback, port).WaitAsync(DefaultTimeout);
        var stream = client.GetStream();
        return new TestRtmpClient(PipeReader.Create(stream), PipeWriter.Create(stream), client);
    }

    /// <summary>The client's handshake (simple, or FFmpeg's digest scheme 0). Returns S1, S2 and the C1 sent.</summary>
    public async Task<(byte[] S1, byte[] S2, byte[] C1)> HandshakeAsync(bool digest = false)
    {
        var exchange = await _client.HandshakeAsync(digest ? HandshakeScheme.Digest0 : HandshakeScheme.Simple);
        return (exchange.S1, exchange.S2, exchange.C1);
    }

    public async Task SendRawAsync(ReadOnlyMemory<byte> bytes)
    {
        await _output.WriteAsync(bytes);
    }

    /// <summary>Any message on any chunk stream and message stream, chunked at <see cref="OutChunkSize"/>.</summary>
    public async Task SendMessageAsync(int chunkStreamId, RtmpMessageType type, uint streamId, uint timestamp, ReadOnlyMemory<byte> payload)
    {
        var buffer = new ArrayBufferWriter<byte>();
        ChunkWriter.WriteMessage(buffer, chunkStreamId, timestamp, type, streamId, payload.Span, OutChunkSize);
        await _output.WriteAsync(buffer.WrittenMemory);
    }

    public Task SetChunkSizeAsync(int size) => _client.SetChunkSizeAsync(size);

    /// <summary>Any command, in or out of order (chunk stream 3 on stream 0, 8 otherwise).</summary>
    public async Task SendCommandAsync(uint streamId, string name, double transactionId, params object?[] values)
    {
        var body = new ArrayBufferWriter<byte>();
        Amf0Writer.WriteString(body, name);
        Amf0Writer.WriteNumber(body, transactionId);
        foreach (var value in values)
        {
            Amf0Writer.WriteValue(body, value);
        }
        await SendMessageAsync(streamId == 0 ? 3 : 8, RtmpMessageType.Amf0Command, streamId, 0, body.WrittenMemory);
    }

    /// <summary>The next message, or null when the server closed the connection.</summary>
    public async Task<ReceivedMessage?> ReadMessageAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? DefaultTimeout);
        return await _client.ReadMessageAsync(cts.Token) is null ? null : Received[^1];
    }

    /// <summary>Reads until a command arrives (null when the server closed first).</summary>
    public async Task<RtmpCommand?> ReadCommandAsync(TimeSpan? timeout = null)
    {
        while (await ReadMessageAsync(timeout) is { } message)
        {
            if (message.Type == RtmpMessageType.Amf0Command)
            {
                return AmfMessageReader.ReadCommand(new ReadOnlySequence<byte>(message.Payload), false, 16);
            }
        }
        return null;
    }

    /// <summary>connect(app) and the server's answer: its _result, or its _error (null if it closed first).</summary>
    public async Task<RtmpCommand?> ConnectAppAsync(string app = "live")
    {
        try
        {
            return await _client.ConnectAppAsync(app, $"rtmp://127.0.0.1/{app}");
        }
        catch (RtmpClientException refused) when (refused.Error is RtmpClientError.ConnectRejected or RtmpClientError.ConnectionClosed)
        {
            return refused.Reply;
        }
    }

    /// <summary>The whole publish conversation after the handshake. Returns the onStatus code the server answered
    /// publish with (or the _error code of connect, or null if it closed), and the stream id (0 when refused).</summary>
    public async Task<(string? Code, uint StreamId)> PublishAsync(string key, string app = "live")
    {
        try
        {
            await _client.ConnectAppAsync(app, $"rtmp://127.0.0.1/{app}");
            var streamId = await _client.PublishAsync(key);
            return (RtmpStatusCodes.PublishStart, streamId);
        }
        catch (RtmpClientException refused) when (refused.Error is not (RtmpClientError.Timeout or RtmpClientError.ProtocolViolation))
        {
            return (refused.StatusCode, 0);
        }
    }

    public Task SendMetadataAsync(uint streamId, AmfObject metadata, bool withSetDataFrame = true)
    {
        var body = new ArrayBufferWriter<byte>();
        if (withSetDataFrame)
        {
            Amf0Writer.WriteString(body, CommandNames.SetDataFrame);
        }
        Amf0Writer.WriteString(body, CommandNames.OnMetaData);
        Amf0Writer.WriteValue(body, metadata);
        return IsPublished(streamId)
            ? _client.WriteDataAsync(0, body.WrittenMemory).AsTask()
            : SendMessageAsync(RtmpPublishClient.DataChunkStreamId, RtmpMessageType.Amf0Data, streamId, 0, body.WrittenMemory);
    }

    /// <summary>An AVC video message: 0x17/0x27, AVCPacketType, SI24 composition time, then <paramref name="data"/>.</summary>
    public Task SendAvcAsync(uint streamId, uint timestamp, bool keyframe, byte packetType, int compositionTime, byte[] data)
    {
        var body = AvcBody(keyframe, packetType, compositionTime, data);
        return IsPublished(streamId)
            ? _client.WriteVideoAsync(timestamp, body).AsTask()
            : SendMessageAsync(RtmpPublishClient.VideoChunkStreamId, RtmpMessageType.Video, streamId, timestamp, body);
    }

    public static byte[] AvcBody(bool keyframe, byte packetType, int compositionTime, byte[] data) =>
        [(byte)(keyframe ? 0x17 : 0x27), packetType, (byte)(compositionTime >> 16), (byte)(compositionTime >> 8), (byte)compositionTime, .. data];

    /// <summary>An AAC audio message: 0xAF, AACPacketType, then <paramref name="data"/>.</summary>
    public Task SendAacAsync(uint streamId, uint timestamp, byte packetType, byte[] data)
    {
        byte[] body = [0xAF, packetType, .. data];
        return IsPublished(streamId)
            ? _client.WriteAudioAsync(timestamp, body).AsTask()
            : SendMessageAsync(RtmpPublishClient.AudioChunkStreamId, RtmpMessageType.Audio, streamId, timestamp, body);
    }

    /// <summary>True when the server closes the connection within <paramref name="timeout"/> (what it sends before the
    /// close is read and dropped).</summary>
    public async Task<bool> WaitForCloseAsync(TimeSpan timeout)
    {
        try
        {
            using var cts = new CancellationTokenSource(timeout);
            while (true)
            {
                var result = await _input.ReadAsync(cts.Token);
                _input.AdvanceTo(result.Buffer.End);
                if (result.IsCompleted)
                {
                    return true;
                }
            }
        }
        catch (OperationCanceledException)
        {
            return false;
        }
        catch (IOException)
        {
            return true;
        }
    }

    /// <summary>Media for the stream the client published goes through the client; media for any other stream id is
    /// a crafted case and is written raw.</summary>
    private bool IsPublished(uint streamId) =>
        _client.State == RtmpPublishClientState.Publishing && streamId == _client.StreamId;

    public async ValueTask DisposeAsync()
    {
        await _client.DisposeAsync();
        _socket?.Dispose();
    }
}
