using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using StreamHub.Rtmp.Amf;
using StreamHub.Rtmp.Chunking;
using StreamHub.Rtmp.Commands;
using StreamHub.Rtmp.Handshake;
using StreamHub.Rtmp.Messages;

namespace StreamHub.Tests.Rtmp;

/// <summary>A small RTMP publisher for tests, over any pair of pipes (an in-memory duplex pipe or a TCP socket). It
/// speaks the way FFmpeg does (connect, releaseStream, FCPublish, createStream, publish) and can also send raw bytes
/// for the hostile-peer tests. Every wait is bounded.</summary>
public sealed class TestRtmpClient : IAsyncDisposable
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(10);

    private readonly PipeReader _input;
    private readonly PipeWriter _output;
    private readonly IDisposable? _socket;
    private readonly ChunkReader _chunks = new(64 * 1024 * 1024, 0xFFFFFF, 65599);
    private readonly ArrayBufferWriter<byte> _scratch = new();
    private double _transaction = 1;

    public TestRtmpClient(PipeReader input, PipeWriter output, IDisposable? socket = null)
    {
        _input = input;
        _output = output;
        _socket = socket;
    }

    public int OutChunkSize { get; private set; } = 128;

    /// <summary>Every message received, in order (commands included).</summary>
    public List<ReceivedMessage> Received { get; } = [];

    public static async Task<TestRtmpClient> ConnectAsync(int port)
    {
        var client = new TcpClient { NoDelay = true };
        await client.ConnectAsync(IPAddress.Loopback, port).WaitAsync(DefaultTimeout);
        var stream = client.GetStream();
        return new TestRtmpClient(PipeReader.Create(stream), PipeWriter.Create(stream), client);
    }

    /// <summary>C0+C1 (simple: version zero; digest: FFmpeg's 9.0.124.2 with a scheme-0 client digest), then C2 = S1.
    /// Returns S1 and S2.</summary>
    public async Task<(byte[] S1, byte[] S2, byte[] C1)> HandshakeAsync(bool digest = false)
    {
        var c1 = new byte[1536];
        Random.Shared.NextBytes(c1);
        BinaryPrimitives.WriteUInt32BigEndian(c1, 0);
        if (digest)
        {
            c1[4] = 9; c1[5] = 0; c1[6] = 124; c1[7] = 2;
            var offset = HandshakeDigest.DigestOffset(c1, HandshakeScheme.Digest0);
            HandshakeDigest.Compute(c1, offset, HandshakeDigest.ClientKey[..30], c1.AsSpan(offset, 32));
        }
        else
        {
            c1.AsSpan(4, 4).Clear();
        }
        await SendRawAsync((byte[])[3, .. c1]);
        var response = await ReadExactlyAsync(1 + 2 * 1536);
        Assert.Equal(3, response[0]);
        var s1 = response[1..1537];
        var s2 = response[1537..];
        await SendRawAsync(s1);
        return (s1, s2, c1);
    }

    public async Task SendRawAsync(ReadOnlyMemory<byte> bytes)
    {
        await _output.WriteAsync(bytes);
    }

    public async Task SendMessageAsync(int chunkStreamId, RtmpMessageType type, uint streamId, uint timestamp, ReadOnlyMemory<byte> payload)
    {
        var buffer = new ArrayBufferWriter<byte>();
        ChunkWriter.WriteMessage(buffer, chunkStreamId, timestamp, type, streamId, payload.Span, OutChunkSize);
        await _output.WriteAsync(buffer.WrittenMemory);
    }

    public async Task SetChunkSizeAsync(int size)
    {
        var payload = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(payload, (uint)size);
        await SendMessageAsync(2, RtmpMessageType.SetChunkSize, 0, 0, payload);
        OutChunkSize = size;
    }

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

    /// <summary>The next message, or null when the server closed the connection. Set Chunk Size is applied.</summary>
    public async Task<ReceivedMessage?> ReadMessageAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? DefaultTimeout);
        while (true)
        {
            var result = await _input.ReadAsync(cts.Token);
            var buffer = result.Buffer;
            if (_chunks.TryRead(ref buffer, out var message))
            {
                var received = new ReceivedMessage(message.Type, message.StreamId, message.Timestamp, message.Payload.ToArray());
                _input.AdvanceTo(buffer.Start);
                if (message.Type == RtmpMessageType.SetChunkSize)
                {
                    _chunks.SetChunkSize(received.UInt32());
                }
                Received.Add(received);
                return received;
            }
            _input.AdvanceTo(buffer.Start, buffer.End);
            if (result.IsCompleted)
            {
                return null;
            }
        }
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

    /// <summary>connect(app) and its _result; throws if the server answers otherwise.</summary>
    public async Task<RtmpCommand?> ConnectAppAsync(string app = "live")
    {
        await SendCommandAsync(0, CommandNames.Connect, _transaction++, new AmfObject
        {
            ["app"] = app,
            ["type"] = "nonprivate",
            ["flashVer"] = "FMLE/3.0 (compatible; StreamHub test)",
            ["tcUrl"] = $"rtmp://127.0.0.1/{app}",
        });
        return await ReadCommandAsync();
    }

    /// <summary>The whole publish conversation after the handshake. Returns the onStatus code the server answered
    /// publish with (or the _error code of connect, or null if it closed), and the stream id.</summary>
    public async Task<(string? Code, uint StreamId)> PublishAsync(string key, string app = "live")
    {
        var connect = await ConnectAppAsync(app);
        if (connect is null)
        {
            return (null, 0);
        }
        if (connect.Name != CommandNames.Result)
        {
            return ((connect.Arguments.FirstOrDefault() as AmfObject)?.GetString("code"), 0);
        }
        await SendCommandAsync(0, CommandNames.ReleaseStream, _transaction++, null, key);
        await SendCommandAsync(0, CommandNames.FcPublish, _transaction++, null, key);
        var createTransaction = _transaction++;
        await SendCommandAsync(0, CommandNames.CreateStream, createTransaction, [null]);
        uint streamId = 0;
        while (await ReadCommandAsync() is { } reply)
        {
            if (reply.Name == CommandNames.Result && reply.TransactionId == createTransaction)
            {
                Assert.Null(reply.CommandObject);
                streamId = (uint)reply.NumberArgument(0)!.Value;
                break;
            }
        }
        Assert.NotEqual(0u, streamId);
        await SendCommandAsync(streamId, CommandNames.Publish, _transaction++, null, key, "live");
        while (await ReadCommandAsync() is { } status)
        {
            if (status.Name == CommandNames.OnStatus)
            {
                return ((status.Arguments.FirstOrDefault() as AmfObject)?.GetString("code"), streamId);
            }
        }
        return (null, streamId);
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
        return SendMessageAsync(4, RtmpMessageType.Amf0Data, streamId, 0, body.WrittenMemory);
    }

    /// <summary>An AVC video message: 0x17/0x27, AVCPacketType, SI24 composition time, then <paramref name="data"/>.</summary>
    public Task SendAvcAsync(uint streamId, uint timestamp, bool keyframe, byte packetType, int compositionTime, byte[] data) =>
        SendMessageAsync(6, RtmpMessageType.Video, streamId, timestamp, AvcBody(keyframe, packetType, compositionTime, data));

    public static byte[] AvcBody(bool keyframe, byte packetType, int compositionTime, byte[] data) =>
        [(byte)(keyframe ? 0x17 : 0x27), packetType, (byte)(compositionTime >> 16), (byte)(compositionTime >> 8), (byte)compositionTime, .. data];

    /// <summary>An AAC audio message: 0xAF, AACPacketType, then <paramref name="data"/>.</summary>
    public Task SendAacAsync(uint streamId, uint timestamp, byte packetType, byte[] data) =>
        SendMessageAsync(4, RtmpMessageType.Audio, streamId, timestamp, (byte[])[0xAF, packetType, .. data]);

    /// <summary>True when the server closes the connection within <paramref name="timeout"/> (messages before the
    /// close are read and kept).</summary>
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

    private async Task<byte[]> ReadExactlyAsync(int count)
    {
        using var deadline = new CancellationTokenSource(DefaultTimeout);
        var result = await _input.ReadAtLeastAsync(count, deadline.Token);
        if (result.Buffer.Length < count)
        {
            _input.AdvanceTo(result.Buffer.End);
            throw new IOException($"Connection closed after {result.Buffer.Length} of {count} bytes.");
        }
        var bytes = result.Buffer.Slice(0, count).ToArray();
        _input.AdvanceTo(result.Buffer.GetPosition(count));
        return bytes;
    }

    public async ValueTask DisposeAsync()
    {
        await _output.CompleteAsync();
        await _input.CompleteAsync();
        _chunks.Dispose();
        _socket?.Dispose();
    }
}
