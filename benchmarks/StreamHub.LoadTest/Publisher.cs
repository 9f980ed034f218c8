using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using StreamHub.Rtmp.Amf;
using StreamHub.Rtmp.Chunking;
using StreamHub.Rtmp.Commands;
using StreamHub.Rtmp.Messages;

namespace StreamHub.LoadTest;

/// <summary>One RTMP publisher: the publish conversation (as FFmpeg speaks it), then the clip in real time, looped
/// with increasing timestamps. It does no timing of its own: the <see cref="Pacer"/> calls <see cref="Pump"/>, which
/// copies every due message into one buffer and starts one send, unless the previous send is still under way.</summary>
public sealed class Publisher : IAsyncDisposable
{
    private static readonly TimeSpan ReplyTimeout = TimeSpan.FromSeconds(15);

    private readonly FlvClip _clip;
    private readonly Socket _socket;
    private readonly PipeReader _input;
    private readonly ChunkReader _chunks = new(16 * 1024 * 1024, 0xFFFFFF, 65599);
    private readonly ArrayBufferWriter<byte> _pending = new(256 * 1024);
    private readonly List<(long Timestamp, long SentAt)> _keyframes = new(1024);
    private uint _streamId;
    private int _next;
    private long _loopOffset;
    private long _startedAt = long.MaxValue;
    private volatile bool _sending;
    private Task _drain = Task.CompletedTask;

    private Publisher(FlvClip clip, Socket socket)
    {
        _clip = clip;
        _socket = socket;
        _input = PipeReader.Create(new NetworkStream(socket, ownsSocket: false));
    }

    public string Name { get; private init; } = "";

    public bool Failed { get; private set; }

    public string? Error { get; private set; }

    public long BytesSent { get; private set; }

    /// <summary>The stream timestamp of the first keyframe (0 for the test clip).</summary>
    public long FirstKeyframe { get; private set; } = -1;

    public static async Task<Publisher> ConnectAsync(FlvClip clip, int port, string app, string publishName, string name)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port)).WaitAsync(ReplyTimeout);
        var publisher = new Publisher(clip, socket) { Name = name };
        try
        {
            await publisher.PublishAsync(port, app, publishName);
        }
        catch
        {
            await publisher.DisposeAsync();
            throw;
        }
        return publisher;
    }

    /// <summary>Starts the clock of this stream: a message is due once <c>now − start ≥ its timestamp</c>.</summary>
    public void Start(long startAt)
    {
        _startedAt = startAt;
        _drain = DrainAsync();
    }

    /// <summary>The wall time (ms, Pacer clock) the keyframe with stream timestamp nearest <paramref name="timestamp"/>
    /// was handed to the socket, or null when none is within <paramref name="tolerance"/>.</summary>
    public (long Timestamp, long SentAt)? FindKeyframe(long timestamp, long tolerance)
    {
        lock (_keyframes)
        {
            (long, long)? best = null;
            var bestDistance = long.MaxValue;
            for (var i = _keyframes.Count - 1; i >= 0; i--)
            {
                var distance = Math.Abs(_keyframes[i].Timestamp - timestamp);
                if (distance < bestDistance)
                {
                    bestDistance = distance;
                    best = _keyframes[i];
                }
                if (_keyframes[i].Timestamp < timestamp - tolerance)
                {
                    break;
                }
            }
            return bestDistance <= tolerance ? best : null;
        }
    }

    /// <summary>Copies the messages due at <paramref name="now"/> (ms) into one buffer and sends it. Called by the
    /// pacer only, so it never runs twice at once; a send still under way makes it wait for the next tick.</summary>
    public void Pump(long now)
    {
        if (_sending || Failed || now < _startedAt)
        {
            return;
        }
        var elapsed = now - _startedAt;
        var messages = _clip.Messages;
        _pending.ResetWrittenCount();
        while (_pending.WrittenCount < 512 * 1024)
        {
            if (_next == messages.Count)
            {
                _next = 0;
                _loopOffset += _clip.Duration;
            }
            var message = messages[_next];
            if (message.Configuration && _loopOffset > 0)
            {
                _next++;
                continue;
            }
            var timestamp = _loopOffset + message.Timestamp;
            if (timestamp > elapsed)
            {
                break;
            }
            var span = _pending.GetSpan(message.Chunked.Length);
            message.Chunked.CopyTo(span);
            // The format 0 header: timestamp (3 bytes, BE) and message stream id (4 bytes, LE).
            span[1] = (byte)(timestamp >> 16);
            span[2] = (byte)(timestamp >> 8);
            span[3] = (byte)timestamp;
            BinaryPrimitives.WriteUInt32LittleEndian(span[8..], _streamId);
            _pending.Advance(message.Chunked.Length);
            if (message.Keyframe)
            {
                if (FirstKeyframe < 0)
                {
                    FirstKeyframe = timestamp;
                }
                lock (_keyframes)
                {
                    _keyframes.Add((timestamp, now));
                }
            }
            _next++;
        }
        if (_pending.WrittenCount == 0)
        {
            return;
        }
        _sending = true;
        _ = SendAsync(_pending.WrittenMemory);
    }

    private async Task SendAsync(ReadOnlyMemory<byte> bytes)
    {
        try
        {
            while (!bytes.IsEmpty)
            {
                var sent = await _socket.SendAsync(bytes, SocketFlags.None);
                bytes = bytes[sent..];
                BytesSent += sent;
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            Fail(e.Message);
        }
        finally
        {
            _sending = false;
        }
    }

    private void Fail(string error)
    {
        if (!Failed)
        {
            Error = error;
            Failed = true;
        }
    }

    /// <summary>Reads and discards what the server sends while publishing (acknowledgements, pings); a close fails the
    /// publisher.</summary>
    private async Task DrainAsync()
    {
        try
        {
            while (true)
            {
                var result = await _input.ReadAsync();
                _input.AdvanceTo(result.Buffer.End);
                if (result.IsCompleted)
                {
                    Fail("the server closed the connection");
                    return;
                }
            }
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or InvalidOperationException)
        {
            Fail(e.Message);
        }
    }

    private async Task PublishAsync(int port, string app, string publishName)
    {
        // Handshake: C0 C1 (version 0: the simple scheme), S0 S1 S2, then C2 = S1.
        var c0c1 = new byte[1537];
        c0c1[0] = 3;
        Random.Shared.NextBytes(c0c1.AsSpan(9));
        await SendRawAsync(c0c1);
        var s0s1s2 = await ReadExactlyAsync(1 + 2 * 1536);
        await SendRawAsync(s0s1s2.AsMemory(1, 1536));

        var output = new ArrayBufferWriter<byte>();
        var scratch = new ArrayBufferWriter<byte>();
        var size = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(size, FlvClip.ChunkSize);
        ChunkWriter.WriteMessage(output, 2, 0, RtmpMessageType.SetChunkSize, 0, size, 128);
        CommandWriter.Write(output, scratch, 3, 0, FlvClip.ChunkSize, CommandNames.Connect, 1, new AmfObject
        {
            ["app"] = app,
            ["type"] = "nonprivate",
            ["flashVer"] = "FMLE/3.0 (compatible; StreamHub.LoadTest)",
            ["tcUrl"] = $"rtmp://127.0.0.1:{port}/{app}",
        });
        await SendRawAsync(output.WrittenMemory);
        var connect = await ReadReplyAsync(1);
        if (connect.Name != CommandNames.Result)
        {
            throw new InvalidOperationException($"connect answered {connect.Name}");
        }
        output.ResetWrittenCount();
        CommandWriter.Write(output, scratch, 3, 0, FlvClip.ChunkSize, CommandNames.ReleaseStream, 2, null, publishName);
        CommandWriter.Write(output, scratch, 3, 0, FlvClip.ChunkSize, CommandNames.FcPublish, 3, null, publishName);
        CommandWriter.Write(output, scratch, 3, 0, FlvClip.ChunkSize, CommandNames.CreateStream, 4, [null]);
        await SendRawAsync(output.WrittenMemory);
        var created = await ReadReplyAsync(4);
        _streamId = (uint)(created.NumberArgument(0) ?? throw new InvalidOperationException("createStream without a stream id"));
        output.ResetWrittenCount();
        CommandWriter.Write(output, scratch, 8, _streamId, FlvClip.ChunkSize, CommandNames.Publish, 5, null, publishName, "live");
        await SendRawAsync(output.WrittenMemory);
        var status = await ReadReplyAsync(null);
        var code = (status.Arguments.FirstOrDefault() as AmfObject)?.GetString("code");
        if (code != "NetStream.Publish.Start")
        {
            throw new InvalidOperationException($"publish answered {code ?? status.Name}");
        }
    }

    /// <summary>The next _result/_error with <paramref name="transaction"/>, or (null) the next onStatus.</summary>
    private async Task<RtmpCommand> ReadReplyAsync(double? transaction)
    {
        using var timeout = new CancellationTokenSource(ReplyTimeout);
        while (true)
        {
            var result = await _input.ReadAsync(timeout.Token);
            var buffer = result.Buffer;
            while (_chunks.TryRead(ref buffer, out var message))
            {
                if (message.Type == RtmpMessageType.SetChunkSize)
                {
                    _chunks.SetChunkSize(BinaryPrimitives.ReadUInt32BigEndian(message.Payload.FirstSpan.Length >= 4
                        ? message.Payload.FirstSpan : message.Payload.ToArray()));
                    continue;
                }
                if (message.Type != RtmpMessageType.Amf0Command)
                {
                    continue;
                }
                var command = AmfMessageReader.ReadCommand(message.Payload, false, 16);
                var wanted = transaction is { } id
                    ? command.TransactionId == id && command.Name is CommandNames.Result or CommandNames.Error
                    : command.Name == CommandNames.OnStatus;
                if (wanted)
                {
                    _input.AdvanceTo(buffer.Start);
                    return command;
                }
            }
            _input.AdvanceTo(buffer.Start, buffer.End);
            if (result.IsCompleted)
            {
                throw new IOException("the server closed the connection during the publish conversation");
            }
        }
    }

    private async Task SendRawAsync(ReadOnlyMemory<byte> bytes)
    {
        while (!bytes.IsEmpty)
        {
            bytes = bytes[await _socket.SendAsync(bytes, SocketFlags.None)..];
        }
    }

    private async Task<byte[]> ReadExactlyAsync(int count)
    {
        using var deadline = new CancellationTokenSource(ReplyTimeout);
        var result = await _input.ReadAtLeastAsync(count, deadline.Token);
        if (result.Buffer.Length < count)
        {
            _input.AdvanceTo(result.Buffer.End);
            throw new IOException($"the server closed the connection after {result.Buffer.Length} of {count} handshake bytes");
        }
        var bytes = result.Buffer.Slice(0, count).ToArray();
        _input.AdvanceTo(result.Buffer.GetPosition(count));
        return bytes;
    }

    public async ValueTask DisposeAsync()
    {
        Failed = true;
        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (SocketException)
        {
        }
        _socket.Dispose();
        await _input.CompleteAsync();
        try
        {
            await _drain;
        }
        catch (Exception)
        {
            // The drain loop ends with the socket; its error no longer matters.
        }
        _chunks.Dispose();
    }
}
