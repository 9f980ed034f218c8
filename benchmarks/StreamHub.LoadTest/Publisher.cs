using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using StreamHub.Rtmp.Client;

namespace StreamHub.LoadTest;

/// <summary>One RTMP publisher: the publish conversation (the server's <see cref="RtmpPublishClient"/>), then the clip
/// in real time, looped with increasing timestamps. It does no timing of its own: the <see cref="Pacer"/> calls
/// <see cref="Pump"/>, which copies every due message into one buffer and starts one send on the socket, unless the
/// previous send is still under way.</summary>
public sealed class Publisher : IAsyncDisposable
{
    private static readonly TimeSpan ReplyTimeout = TimeSpan.FromSeconds(15);

    private static readonly RtmpClientOptions ClientOptions = new()
    {
        ReplyTimeout = ReplyTimeout,
        FlashVersion = "FMLE/3.0 (compatible; StreamHub.LoadTest)",
    };

    private readonly FlvClip _clip;
    private readonly Socket _socket;
    private readonly PipeReader _input;
    private readonly RtmpPublishClient _client;
    private readonly ArrayBufferWriter<byte> _pending = new(256 * 1024);
    private readonly List<(long Timestamp, long SentAt)> _keyframes = new(1024);
    private readonly List<long> _videoInBatch = new(64);
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
        var stream = new NetworkStream(socket, ownsSocket: false);
        _input = PipeReader.Create(stream);
        // The client speaks the conversation; afterwards media goes straight to the socket and the drain loop reads
        // the same input pipe.
        _client = new RtmpPublishClient(_input, PipeWriter.Create(stream), ClientOptions);
    }

    public string Name { get; private init; } = "";

    public bool Failed { get; private set; }

    public string? Error { get; private set; }

    public long BytesSent { get; private set; }

    /// <summary>When set (the fan-out mode), every video frame's timestamp and the moment its batch is handed to the
    /// socket are recorded here, for the players' latency.</summary>
    public FrameSendLog? VideoSendLog { get; set; }

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
            if (message.Type == StreamHub.Rtmp.Messages.RtmpMessageType.Video && !message.Configuration && VideoSendLog is not null)
            {
                _videoInBatch.Add(timestamp);
            }
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
        if (_videoInBatch.Count > 0)
        {
            // The moment the batch goes to the socket is each frame's arrival at the server (loopback).
            var sentAt = System.Diagnostics.Stopwatch.GetTimestamp();
            foreach (var videoTimestamp in _videoInBatch)
            {
                VideoSendLog!.Record(videoTimestamp, sentAt);
            }
            _videoInBatch.Clear();
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
        await _client.HandshakeAsync();
        await _client.SetChunkSizeAsync(FlvClip.ChunkSize);
        await _client.ConnectAppAsync(app, $"rtmp://127.0.0.1:{port}/{app}");
        _streamId = await _client.PublishAsync(publishName);
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
        try
        {
            await _drain;
        }
        catch (Exception)
        {
            // The drain loop ends with the socket; its error no longer matters.
        }
        await _client.DisposeAsync();
    }
}
