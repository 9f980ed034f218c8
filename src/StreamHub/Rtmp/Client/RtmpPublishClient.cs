using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using StreamHub.Rtmp.Chunking;
using StreamHub.Rtmp.Commands;
using StreamHub.Rtmp.Messages;
using StreamHub.Rtmp.Session;

namespace StreamHub.Rtmp.Client;

/// <summary>The publishing side of RTMP, for pushing a stream to a server (a relay, the load test, the tests): the
/// handshake, then connect, releaseStream, FCPublish, createStream and publish as FFmpeg sends them, then media. The
/// same conversation ends in play instead for <see cref="RtmpPlayClient"/> (<see cref="PlayAsync"/>). It
/// reads and writes through pipes, so it runs over a socket, TLS or an in-memory pipe alike, and it uses the same
/// chunk reader and writers as the server.
/// <para>Every wait for the server is bounded by <see cref="RtmpClientOptions.ReplyTimeout"/> and the caller's
/// cancellation token; a refusal, a silence, a close or a protocol violation by the server is an
/// <see cref="RtmpClientException"/>. While it reads, the client applies the server's Set Chunk Size, Abort and Window
/// Acknowledgement Size, answers pings and acknowledges what it received.</para>
/// <para>One reader and one writer at a time: a relay may write media while another task drains the server's messages
/// with <see cref="ReadMessageAsync"/>; writes are serialised inside.</para></summary>
public sealed partial class RtmpPublishClient : IAsyncDisposable
{
    public const int AudioChunkStreamId = 4;
    public const int DataChunkStreamId = 5;
    public const int VideoChunkStreamId = 6;
    private const int CommandChunkStreamId = 3;
    private const int StreamCommandChunkStreamId = 8;

    /// <summary>FFmpeg's acknowledgement window until the server announces one.</summary>
    private const uint DefaultAcknowledgementWindow = 2_500_000;

    private readonly PipeReader _input;
    private readonly PipeWriter _output;
    private readonly IDisposable? _connection;
    private readonly ChunkReader _chunks;
    private readonly AcknowledgementWindow _acknowledgements = new(DefaultAcknowledgementWindow);
    private readonly ArrayBufferWriter<byte> _scratch = new(512);
    private readonly SemaphoreSlim _writeGate = new(1, 1);
    private uint? _pingToAnswer;
    private bool _disposed;

    /// <summary>A client over <paramref name="transport"/>, which it completes when disposed.</summary>
    public RtmpPublishClient(IDuplexPipe transport, RtmpClientOptions? options = null)
        : this(transport.Input, transport.Output, options, null)
    {
    }

    /// <summary>A client reading the server from <paramref name="input"/> and writing to <paramref name="output"/>;
    /// both are completed when it is disposed.</summary>
    public RtmpPublishClient(PipeReader input, PipeWriter output, RtmpClientOptions? options = null)
        : this(input, output, options, null)
    {
    }

    private RtmpPublishClient(PipeReader input, PipeWriter output, RtmpClientOptions? options, IDisposable? connection)
    {
        options ??= new RtmpClientOptions();
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.ReplyTimeout, TimeSpan.Zero);
        _input = input;
        _output = output;
        _connection = connection;
        Options = options;
        _chunks = new ChunkReader(options.MaxMessageSize, options.MaxChunkSize, options.MaxChunkStreams, options.MaxCommandSize);
    }

    public RtmpClientOptions Options { get; }

    public RtmpPublishClientState State { get; private set; } = RtmpPublishClientState.Handshake;

    /// <summary>The message stream publish was accepted on; 0 while not publishing.</summary>
    public uint StreamId { get; private set; }

    /// <summary>The chunk size of what this client sends: 128 until <see cref="SetChunkSizeAsync"/>.</summary>
    public int OutChunkSize { get; private set; } = ChunkReader.DefaultChunkSize;

    /// <summary>Called with every message the server sends, as it is read (the conversation's own reads included).
    /// The payload is valid only during the call.</summary>
    public Action<RtmpMessage>? MessageReceived { get; init; }

    /// <summary>Opens a TCP connection to <paramref name="host"/> (a name or an address; every address it resolves to
    /// is tried) within <see cref="RtmpClientOptions.ReplyTimeout"/>. The client owns the socket.</summary>
    public static Task<RtmpPublishClient> ConnectAsync(string host, int port, RtmpClientOptions? options = null,
        CancellationToken cancellationToken = default) =>
        ConnectAsync(new DnsEndPoint(host, port), options, cancellationToken);

    /// <summary>Opens a TCP connection to <paramref name="endPoint"/> within
    /// <see cref="RtmpClientOptions.ReplyTimeout"/>. The client owns the socket.</summary>
    public static async Task<RtmpPublishClient> ConnectAsync(EndPoint endPoint, RtmpClientOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        options ??= new RtmpClientOptions();
        var socket = await OpenSocketAsync(endPoint, options, cancellationToken);
        var stream = new NetworkStream(socket, ownsSocket: true);
        return new RtmpPublishClient(PipeReader.Create(stream), PipeWriter.Create(stream), options, socket);
    }

    /// <summary>A connected TCP socket to <paramref name="endPoint"/> within <see cref="RtmpClientOptions.ReplyTimeout"/>.</summary>
    private static async Task<Socket> OpenSocketAsync(EndPoint endPoint, RtmpClientOptions options, CancellationToken cancellationToken)
    {
        // A DnsEndPoint has no family until resolved: a dual-mode socket takes IPv4 and IPv6 answers alike.
        var socket = endPoint.AddressFamily == AddressFamily.Unspecified
            ? new Socket(SocketType.Stream, ProtocolType.Tcp)
            : new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        socket.NoDelay = true;
        try
        {
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(options.ReplyTimeout);
            await socket.ConnectAsync(endPoint, deadline.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            socket.Dispose();
            throw new RtmpClientException(RtmpClientError.Timeout,
                $"no TCP connection to {endPoint} within {options.ReplyTimeout.TotalSeconds:0.###} s");
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        return socket;
    }

    /// <summary>The next message from the server, or null once it has closed the connection. Control messages are
    /// applied (and pings answered) before they are returned. The payload is valid until the next read. Bounded by
    /// <paramref name="cancellationToken"/> only: a publishing server may rightly stay silent for minutes.</summary>
    /// <remarks>Pooled: a player reads every frame through it, and a read that waits would otherwise allocate.</remarks>
    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(System.Runtime.CompilerServices.PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<RtmpMessage?> ReadMessageAsync(CancellationToken cancellationToken = default)
    {
        while (true)
        {
            var result = await _input.ReadAsync(cancellationToken);
            var buffer = result.Buffer;
            var length = buffer.Length;
            var found = false;
            RtmpMessage message = default;
            try
            {
                found = TryReadMessage(ref buffer, out message);
            }
            finally
            {
                // After a message, what follows has not been looked at yet; otherwise wait for more than is here.
                if (found)
                {
                    _input.AdvanceTo(buffer.Start);
                }
                else
                {
                    _input.AdvanceTo(buffer.Start, buffer.End);
                }
            }
            var acknowledge = _acknowledgements.Add(length - buffer.Length);
            if (found)
            {
                MessageReceived?.Invoke(message);
            }
            if (acknowledge || _pingToAnswer is not null)
            {
                await AnswerAsync(acknowledge, cancellationToken);
            }
            if (found)
            {
                return message;
            }
            if (result.IsCompleted)
            {
                return null;
            }
        }
    }

    /// <summary>An audio message (FLV AUDIODATA: sound format byte, then the codec's data) on the published stream.</summary>
    public ValueTask WriteAudioAsync(uint timestamp, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken = default) =>
        WriteMediaAsync(AudioChunkStreamId, RtmpMessageType.Audio, timestamp, payload, cancellationToken);

    /// <summary>A video message (FLV VIDEODATA: frame type and codec byte, then the codec's data) on the published
    /// stream.</summary>
    public ValueTask WriteVideoAsync(uint timestamp, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken = default) =>
        WriteMediaAsync(VideoChunkStreamId, RtmpMessageType.Video, timestamp, payload, cancellationToken);

    /// <summary>An AMF0 data message (type 18) on the published stream, e.g. @setDataFrame onMetaData {...}.</summary>
    public ValueTask WriteDataAsync(uint timestamp, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken = default) =>
        WriteMediaAsync(DataChunkStreamId, RtmpMessageType.Amf0Data, timestamp, payload, cancellationToken);

    /// <summary>Chunks the message straight into the output pipe's pooled memory and flushes it. Waits for the server
    /// to take the bytes (back-pressure) for as long as <paramref name="cancellationToken"/> allows.</summary>
    private async ValueTask WriteMediaAsync(int chunkStreamId, RtmpMessageType type, uint timestamp, ReadOnlyMemory<byte> payload,
        CancellationToken cancellationToken)
    {
        RequireState(RtmpPublishClientState.Publishing, type.ToString());
        await _writeGate.WaitAsync(cancellationToken);
        try
        {
            ChunkWriter.WriteMessage(_output, chunkStreamId, timestamp, type, StreamId, payload.Span, OutChunkSize);
            await FlushAsync("media", cancellationToken);
        }
        finally
        {
            _writeGate.Release();
        }
    }

    /// <summary>Reads one message and applies what it changes in the connection. The server's protocol violations
    /// become <see cref="RtmpClientException"/>s.</summary>
    private bool TryReadMessage(ref ReadOnlySequence<byte> buffer, out RtmpMessage message)
    {
        try
        {
            if (!_chunks.TryRead(ref buffer, out message))
            {
                return false;
            }
            switch (message.Type)
            {
                case RtmpMessageType.SetChunkSize:
                    _chunks.SetChunkSize(ControlMessageReader.ReadUInt32(message.Payload));
                    break;
                case RtmpMessageType.Abort:
                    _chunks.Abort(ControlMessageReader.ReadUInt32(message.Payload));
                    break;
                case RtmpMessageType.WindowAcknowledgementSize:
                    _acknowledgements.SetWindowSize(ControlMessageReader.ReadUInt32(message.Payload));
                    break;
                case RtmpMessageType.UserControl:
                    var (userEvent, value) = ControlMessageReader.ReadUserControl(message.Payload);
                    if (userEvent == UserControlEvent.PingRequest)
                    {
                        _pingToAnswer = value;
                    }
                    break;
            }
            return true;
        }
        catch (RtmpProtocolException e)
        {
            throw Violation(e);
        }
    }

    private RtmpCommand ReadCommand(in RtmpMessage message)
    {
        try
        {
            return AmfMessageReader.ReadCommand(message.Payload, message.Type == RtmpMessageType.Amf3Command, Options.MaxAmfDepth, Options.MaxAmfValues);
        }
        catch (RtmpProtocolException e)
        {
            throw Violation(e);
        }
    }

    /// <summary>The Acknowledgement that is due and the answer to a ping (RTMP 1.0 §5.4.3, §7.1.7).</summary>
    private async ValueTask AnswerAsync(bool acknowledge, CancellationToken cancellationToken)
    {
        await _writeGate.WaitAsync(cancellationToken);
        try
        {
            if (acknowledge)
            {
                ControlMessageWriter.WriteAcknowledgement(_output, _acknowledgements.SequenceNumber, OutChunkSize);
            }
            if (_pingToAnswer is { } timestamp)
            {
                _pingToAnswer = null;
                ControlMessageWriter.WriteUserControl(_output, UserControlEvent.PingResponse, timestamp, OutChunkSize);
            }
            await FlushAsync("a control message", cancellationToken);
        }
        finally
        {
            _writeGate.Release();
        }
    }

    /// <summary>Flushes what is written; the caller holds the write gate.</summary>
    private async ValueTask FlushAsync(string what, CancellationToken cancellationToken)
    {
        var result = await _output.FlushAsync(cancellationToken);
        if (result.IsCompleted)
        {
            throw Closed($"while {what} was being sent");
        }
    }

    private void RequireState(RtmpPublishClientState expected, string operation)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (State != expected)
        {
            throw new InvalidOperationException($"{operation} needs the client to be {expected}; it is {State}.");
        }
    }

    /// <summary>The server closed the connection; <paramref name="when"/> completes the sentence.</summary>
    private static RtmpClientException Closed(string when) =>
        new(RtmpClientError.ConnectionClosed, $"the server closed the connection {when}");

    private static RtmpClientException Violation(RtmpProtocolException e) =>
        new(RtmpClientError.ProtocolViolation, $"the server broke the RTMP protocol ({e.Error}): {e.Message}", innerException: e);

    /// <summary>Completes both pipes (which closes a socket the client opened) and returns the chunk reader's pooled
    /// buffers. Call it when no read or write is under way.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        try
        {
            await _output.CompleteAsync();
            await _input.CompleteAsync();
        }
        finally
        {
            _connection?.Dispose();
            _chunks.Dispose();
        }
    }

    /// <summary>Closes the connection the client opened at once, then disposes: nothing waits for a server that
    /// stopped reading (completing the output would first try to send what is still buffered). Never throws.</summary>
    public async ValueTask AbortAsync()
    {
        if (_disposed)
        {
            return;
        }
        _connection?.Dispose();
        try
        {
            await DisposeAsync();
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or OperationCanceledException or InvalidOperationException)
        {
            // The connection is gone already; what could not be sent is dropped.
        }
    }
}
