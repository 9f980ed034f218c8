using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using StreamHub.Live;
using StreamHub.Rtmp.Chunking;
using StreamHub.Rtmp.Handshake;
using StreamHub.Rtmp.Messages;
using StreamHub.Security;
using StreamHub.StreamKeys;

namespace StreamHub.Rtmp.Session;

/// <summary>One RTMP connection: handshake, chunk demultiplexing, the publish conversation and media hand-off. All the
/// per-connection state lives here; <see cref="RtmpConnectionHandler"/> creates one per connection and disposes it.
/// It reads from and writes to an <see cref="IDuplexPipe"/>, so tests drive it over in-memory pipes.</summary>
public sealed partial class RtmpSession : IAsyncDisposable
{
    private const int CommandChunkStreamId = 3;
    private const int StreamChunkStreamId = 5;

    /// <summary>Bytes waiting in the socket count as "this server is behind" only while the session holds less than
    /// this unparsed (a partial chunk of an encoder's usual 4 KiB chunks). A peer can announce chunks of up to
    /// MaxChunkSize and stop half way: the session then waits for the rest of the chunk, Kestrel stops receiving once
    /// its read buffer is full, and the socket keeps bytes that will never be read — that peer is stuck, not late.</summary>
    private const long MaxUnparsedWhileBehind = 64 * 1024;

    private readonly IDuplexPipe _transport;
    private readonly RtmpOptions _options;
    private readonly LiveStreamRegistry _registry;
    private readonly IStreamKeyAuthorizer _authorizer;
    private readonly ILogger _logger;
    private readonly string _connectionId;
    private readonly string _remoteAddress;
    private readonly ChunkReader _chunks;
    private readonly AcknowledgementWindow _acknowledgements;
    private readonly ArrayBufferWriter<byte> _scratch = new(512);
    private readonly PublishPolicy? _policy;
    private readonly IPAddress? _remoteIp;
    private readonly Func<bool>? _hasUnreadInput;
    private CancellationTokenRegistration _stopRegistration;

    private int _outChunkSize = ChunkReader.DefaultChunkSize;
    private bool _outputPending;
    private string? _encoder;
    private uint _nextStreamId = 1;
    private LiveStream? _stream;
    private uint _publishStreamId;

    public RtmpSession(IDuplexPipe transport, string connectionId, string remoteAddress, RtmpOptions options,
        LiveStreamRegistry registry, IStreamKeyAuthorizer authorizer, ILogger logger, PublishPolicy? policy = null, IPAddress? remoteIp = null,
        Func<bool>? hasUnreadInput = null)
    {
        _hasUnreadInput = hasUnreadInput;
        _policy = policy;
        _remoteIp = remoteIp;
        _transport = transport;
        _connectionId = connectionId;
        _remoteAddress = remoteAddress;
        _options = options;
        _registry = registry;
        _authorizer = authorizer;
        _logger = logger;
        _chunks = new ChunkReader(options.MaxMessageSize, options.MaxChunkSize, options.MaxChunkStreams, options.MaxCommandSize);
        _acknowledgements = new AcknowledgementWindow((uint)options.WindowAckSize);
    }

    public RtmpSessionState State { get; private set; } = RtmpSessionState.Handshake;

    /// <summary>The stream this connection publishes, once publish has been accepted.</summary>
    public LiveStream? Stream => _stream;

    /// <summary>Runs the connection until the peer closes it, the session closes it (a refused key, a wrong
    /// application), or <paramref name="closed"/> fires. Protocol violations surface as
    /// <see cref="RtmpProtocolException"/>.</summary>
    public async Task RunAsync(CancellationToken closed)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(closed);
        if (!await HandshakeAsync(timeout, closed))
        {
            return;
        }
        State = RtmpSessionState.AwaitingConnect;
        await ReadMessagesAsync(timeout, closed);
    }

    private async Task<bool> HandshakeAsync(CancellationTokenSource timeout, CancellationToken closed)
    {
        timeout.CancelAfter(TimeSpan.FromSeconds(_options.HandshakeTimeoutSeconds));
        var c1 = new byte[HandshakeDigest.PacketSize];
        var answered = false;
        while (true)
        {
            var result = await ReadAsync(timeout, closed, RtmpError.HandshakeTimeout, _options.HandshakeTimeoutSeconds);
            var buffer = result.Buffer;
            var length = buffer.Length;
            var done = false;
            try
            {
                if (!answered && HandshakeReader.TryReadC0C1(ref buffer, c1))
                {
                    var random = new byte[HandshakeDigest.PacketSize - 8];
                    Random.Shared.NextBytes(random);
                    var scheme = HandshakeWriter.WriteS0S1S2(_transport.Output, c1, (uint)Environment.TickCount, random);
                    RtmpLog.HandshakeDone(_logger, _connectionId, scheme);
                    answered = true;
                    _outputPending = true;
                }
                if (answered && HandshakeReader.TryReadC2(ref buffer))
                {
                    done = true;
                }
            }
            finally
            {
                _acknowledgements.Add(length - buffer.Length);
                // Once C2 is read, what follows (often the connect command) has not been looked at yet.
                if (done)
                {
                    _transport.Input.AdvanceTo(buffer.Start);
                }
                else
                {
                    _transport.Input.AdvanceTo(buffer.Start, buffer.End);
                }
            }
            await FlushAsync(closed);
            if (done)
            {
                return true;
            }
            if (result.IsCompleted || result.IsCanceled)
            {
                return false;
            }
        }
    }

    private async Task ReadMessagesAsync(CancellationTokenSource handshakeTimeout, CancellationToken closed)
    {
        var timeout = handshakeTimeout;
        try
        {
            // Re-arming the timer takes the timer queue's lock, and a publisher's reads come ~100 times a second: it is
            // re-armed at most once a second, for one second more, so a silent peer is closed between IdleTimeoutSeconds
            // and IdleTimeoutSeconds + 1 s after its last byte, never earlier.
            var idle = TimeSpan.FromSeconds(_options.IdleTimeoutSeconds + 1);
            var armedAt = Environment.TickCount64 - 1000;
            long unparsed = 0;
            while (State != RtmpSessionState.Closing)
            {
                var now = Environment.TickCount64;
                if (now - armedAt >= 1000)
                {
                    timeout.CancelAfter(idle);
                    armedAt = now;
                }
                // Read and flush are awaited here, not through helpers, so the loop suspends on this one state machine
                // and allocates nothing per read.
                ReadResult result;
                try
                {
                    result = await _transport.Input.ReadAsync(timeout.Token);
                }
                catch (OperationCanceledException) when (!closed.IsCancellationRequested)
                {
                    if (unparsed >= MaxUnparsedWhileBehind || _hasUnreadInput?.Invoke() != true)
                    {
                        throw TimedOut(RtmpError.IdleTimeout, _options.IdleTimeoutSeconds);
                    }
                    // Bytes are waiting in the socket: the peer is not silent, this server is behind (overloaded). Keep
                    // the connection: its stream is late, not dead. A fresh timer, since a cancelled one cannot be re-armed.
                    RtmpLog.BehindNotIdle(_logger, _connectionId, _remoteAddress, _options.IdleTimeoutSeconds);
                    if (timeout != handshakeTimeout)
                    {
                        timeout.Dispose();
                    }
                    timeout = CancellationTokenSource.CreateLinkedTokenSource(closed);
                    armedAt = Environment.TickCount64 - 1000;
                    continue;
                }
                var buffer = result.Buffer;
                var unaccounted = buffer.Length;
                try
                {
                    while (State != RtmpSessionState.Closing && _chunks.TryRead(ref buffer, out var message))
                    {
                        // Counted per message, not per read, so a read holding several windows gets several ACKs.
                        Acknowledge(unaccounted - buffer.Length);
                        unaccounted = buffer.Length;
                        var publish = HandleMessage(message);
                        if (publish is not null)
                        {
                            await PublishAsync(publish, message.StreamId, closed);
                        }
                    }
                }
                finally
                {
                    Acknowledge(unaccounted - buffer.Length);
                    unparsed = buffer.Length;
                    _transport.Input.AdvanceTo(buffer.Start, buffer.End);
                }
                if (_outputPending)
                {
                    _outputPending = false;
                    await _transport.Output.FlushAsync(closed);
                }
                if (result.IsCompleted || result.IsCanceled)
                {
                    break;
                }
            }
        }
        finally
        {
            if (timeout != handshakeTimeout)
            {
                timeout.Dispose();
            }
        }
    }

    private void Acknowledge(long bytes)
    {
        if (_acknowledgements.Add(bytes))
        {
            ControlMessageWriter.WriteAcknowledgement(_transport.Output, _acknowledgements.SequenceNumber, _outChunkSize);
            _outputPending = true;
        }
    }

    private async ValueTask<ReadResult> ReadAsync(CancellationTokenSource timeout, CancellationToken closed, RtmpError onTimeout, int seconds)
    {
        try
        {
            return await _transport.Input.ReadAsync(timeout.Token);
        }
        catch (OperationCanceledException) when (!closed.IsCancellationRequested)
        {
            throw TimedOut(onTimeout, seconds);
        }
    }

    private static RtmpProtocolException TimedOut(RtmpError error, int seconds) => new(error, $"nothing received for {seconds} s");

    private async ValueTask FlushAsync(CancellationToken closed)
    {
        if (_outputPending)
        {
            _outputPending = false;
            await _transport.Output.FlushAsync(closed);
        }
    }

    /// <summary>Handles one message synchronously; returns the publish command when one needs the (asynchronous) key
    /// check.</summary>
    private Commands.RtmpCommand? HandleMessage(in RtmpMessage message)
    {
        switch (message.Type)
        {
            case RtmpMessageType.Audio:
            case RtmpMessageType.Video:
                OnMedia(message.Type, message.Payload, message.Clock);
                return null;
            case RtmpMessageType.SetChunkSize:
                _chunks.SetChunkSize(ControlMessageReader.ReadUInt32(message.Payload));
                return null;
            case RtmpMessageType.Abort:
                _chunks.Abort(ControlMessageReader.ReadUInt32(message.Payload));
                return null;
            case RtmpMessageType.WindowAcknowledgementSize:
                _acknowledgements.SetWindowSize(ControlMessageReader.ReadUInt32(message.Payload));
                return null;
            case RtmpMessageType.UserControl:
                OnUserControl(message.Payload);
                return null;
            case RtmpMessageType.Amf0Command:
            case RtmpMessageType.Amf3Command:
                return OnCommand(Commands.AmfMessageReader.ReadCommand(message.Payload, message.Type == RtmpMessageType.Amf3Command, _options.MaxAmfDepth, _options.MaxAmfValues), message.StreamId);
            case RtmpMessageType.Amf0Data:
            case RtmpMessageType.Amf3Data:
                OnData(message.Payload, message.Type == RtmpMessageType.Amf3Data);
                return null;
            case RtmpMessageType.Aggregate:
                OnAggregate(message.Payload, message.Clock);
                return null;
            default:
                // Acknowledgement, Set Peer Bandwidth, shared objects: nothing to do for a publisher.
                return null;
        }
    }

    private void OnUserControl(in ReadOnlySequence<byte> payload)
    {
        var (userEvent, value) = ControlMessageReader.ReadUserControl(payload);
        if (userEvent == UserControlEvent.PingRequest)
        {
            ControlMessageWriter.WriteUserControl(_transport.Output, UserControlEvent.PingResponse, value, _outChunkSize);
            _outputPending = true;
        }
    }

    private void OnAggregate(ReadOnlySequence<byte> payload, long clock)
    {
        long? first = null;
        while (AggregateReader.TryReadTag(ref payload, out var type, out var timestamp, out var data))
        {
            first ??= timestamp;
            if (type is RtmpMessageType.Audio or RtmpMessageType.Video)
            {
                OnMedia(type, data, clock + (timestamp - first.Value));
            }
        }
    }

    public ValueTask DisposeAsync()
    {
        EndPublish();
        _chunks.Dispose();
        return ValueTask.CompletedTask;
    }
}
