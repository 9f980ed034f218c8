using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using StreamHub.Admission;
using StreamHub.Hosting;
using StreamHub.Live;
using StreamHub.Playback;
using StreamHub.Rtmp.Chunking;
using StreamHub.Rtmp.Encryption;
using StreamHub.Rtmp.Handshake;
using StreamHub.Rtmp.Messages;

namespace StreamHub.Rtmp.Session;

/// <summary>One RTMP connection: handshake, chunk demultiplexing, the publish conversation and media hand-off. All the
/// per-connection state lives here; <see cref="RtmpSessionHost"/> creates one per connection, whatever its transport,
/// and disposes it.
/// It reads from and writes to an <see cref="IDuplexPipe"/>, so tests drive it over in-memory pipes.</summary>
public sealed partial class RtmpSession : IAsyncDisposable
{
    private const int CommandChunkStreamId = 3;
    private const int StreamChunkStreamId = 5;

    // Replaced once, by the RTMPE pipe over it, when an RTMPE handshake ends (see HandshakeAsync); both end in the
    // same socket pipes, so a heartbeat that cancels a read through either reaches the same reader.
    private IDuplexPipe _transport;

    /// <summary>The pool the RTMP port's own transport (inline scheduling) receives into, which a publisher asks for
    /// large receive buffers; null on every other transport.</summary>
    private readonly RtmpReceiveBufferPool? _receivePool;
    private readonly RtmpOptions _options;
    private readonly LiveStreamRegistry _registry;
    private readonly StreamAdmission _admission;
    private readonly ILogger _logger;
    private readonly string _connectionId;
    private readonly string _remoteAddress;
    private readonly ChunkReader _chunks;
    private readonly AcknowledgementWindow _acknowledgements;
    private readonly ArrayBufferWriter<byte> _scratch = new(512);
    private readonly IPAddress? _remoteIp;
    private readonly PlayerRegistry? _players;
    private string _transportName;
    private CancellationTokenRegistration _stopRegistration;

    private int _outChunkSize = ChunkReader.DefaultChunkSize;
    private bool _outputPending;
    private string? _encoder;
    private string _applicationInstance = string.Empty;
    private uint _nextStreamId = 1;
    private LiveStream? _stream;

    // Written by the read loop only; the admin thread asks for a stop through _stopRequested.
    private volatile RtmpSessionState _state = RtmpSessionState.Handshake;
    private volatile bool _stopRequested;

    /// <param name="hasUnreadInput">Whether bytes wait unread in the socket: asked only when a read deadline passes,
    /// to tell a server that is behind from a peer that is silent (see <see cref="OnHeartbeat"/>).</param>
    /// <param name="heartbeat">The server's heartbeat; null uses <see cref="RtmpHeartbeat.System"/>.</param>
    /// <param name="players">Where players join streams; null refuses play (as for a stream that is not live).</param>
    /// <param name="transportName">rtmp, rtmps or rtmpt: for the player's log lines (rtmpe or rtmpte once an RTMPE
    /// handshake is done).</param>
    public RtmpSession(IDuplexPipe transport, string connectionId, string remoteAddress, RtmpOptions options,
        LiveStreamRegistry registry, StreamAdmission admission, ILogger logger, IPAddress? remoteIp = null,
        Func<bool>? hasUnreadInput = null, RtmpHeartbeat? heartbeat = null, PlayerRegistry? players = null, string transportName = "rtmp",
        RtmpReceiveBufferPool? receivePool = null)
    {
        _receivePool = receivePool;
        _players = players;
        _transportName = transportName;
        _hasUnreadInput = hasUnreadInput;
        _remoteIp = remoteIp;
        _transport = transport;
        _connectionId = connectionId;
        _remoteAddress = remoteAddress;
        _options = options;
        _registry = registry;
        _admission = admission;
        _logger = logger;
        // Until a publish is accepted, audio and video are held to the command limit too: a peer without a key has
        // no use for large messages, and must not make the server buffer them.
        _chunks = new ChunkReader(options.MaxMessageSize, options.MaxChunkSize, options.MaxChunkStreams, options.MaxCommandSize)
        {
            MaxMediaMessageSize = options.MaxCommandSize,
        };
        _acknowledgements = new AcknowledgementWindow((uint)options.WindowAckSize);
        _heartbeat = heartbeat ?? RtmpHeartbeat.System;
        _time = _heartbeat.Time;
        var frequency = _time.TimestampFrequency;
        _handshakeTimeout = options.HandshakeTimeoutSeconds * frequency;
        _idleTimeout = options.IdleTimeoutSeconds * frequency;
        _partialTimeout = options.PartialMessageTimeoutSeconds * frequency;
        _writeTimeout = options.WriteTimeoutSeconds * frequency;
    }

    public RtmpSessionState State => _state;

    /// <summary>The stream this connection publishes, once publish has been accepted.</summary>
    public LiveStream? Stream => _stream;

    /// <summary>Runs the connection until the peer closes it, the session closes it (a refused key, a wrong
    /// application), or <paramref name="closed"/> fires. Protocol violations and timeouts surface as
    /// <see cref="RtmpProtocolException"/>.</summary>
    public async Task RunAsync(CancellationToken closed)
    {
        _startedAt = _time.GetTimestamp();
        Volatile.Write(ref _lastInput, _startedAt);
        _heartbeat.Add(this);
        try
        {
            if (!await HandshakeAsync(closed))
            {
                return;
            }
            Volatile.Write(ref _lastInput, _time.GetTimestamp());
            _state = RtmpSessionState.AwaitingConnect;
            await ReadMessagesAsync(closed);
        }
        finally
        {
            _heartbeat.Remove(this);
        }
    }

    private async Task<bool> HandshakeAsync(CancellationToken closed)
    {
        var c1 = new byte[HandshakeDigest.PacketSize];
        var answered = false;
        (Rc4 Receive, Rc4 Send)? rtmpe = null;
        while (true)
        {
            var result = await _transport.Input.ReadAsync(closed);
            if (result.IsCanceled)
            {
                ThrowIfTimedOut();
            }
            var buffer = result.Buffer;
            var length = buffer.Length;
            var done = false;
            try
            {
                if (!answered && HandshakeReader.TryReadC0C1(ref buffer, c1, _options.AcceptRtmpe, out var version))
                {
                    var random = new byte[HandshakeDigest.PacketSize - 8];
                    Random.Shared.NextBytes(random);
                    if (version == RtmpeHandshake.RtmpeVersion)
                    {
                        var (receive, send, scheme) = RtmpeHandshake.WriteS0S1S2(_transport.Output, c1, (uint)Environment.TickCount,
                            random, RtmpeDiffieHellman.NewPrivateKey());
                        rtmpe = (receive, send);
                        RtmpLog.RtmpeHandshakeDone(_logger, _connectionId, scheme);
                    }
                    else
                    {
                        var scheme = HandshakeWriter.WriteS0S1S2(_transport.Output, c1, (uint)Environment.TickCount, random);
                        RtmpLog.HandshakeDone(_logger, _connectionId, scheme);
                    }
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
                if (rtmpe is var (receiveCipher, sendCipher))
                {
                    // From here on every byte in both directions is RC4; what followed C2 in this read is still
                    // unconsumed below, and the RTMPE reader deciphers it with the rest.
                    _transport = new RtmpeDuplexPipe(_transport, receiveCipher, sendCipher);
                    _transportName = _transportName switch
                    {
                        "rtmp" => "rtmpe",
                        "rtmpt" => "rtmpte",
                        var other => other,
                    };
                }
                return true;
            }
            if (result.IsCompleted || result.IsCanceled)
            {
                return false;
            }
        }
    }

    private async Task ReadMessagesAsync(CancellationToken closed)
    {
        while (_state != RtmpSessionState.Closing)
        {
            // Read and flush are awaited here, not through helpers, so the loop suspends on this one state machine
            // and allocates nothing per read. A read stores a timestamp for the heartbeat, and that is all the
            // timeouts cost here.
            if (_receivePool is not null && _stream is not null)
            {
                // A publisher's next read is media: received into one large buffer rather than several small ones.
                // Only where the transport rents its receive buffers from that pool, on this thread, right after this
                // read suspends: elsewhere a hint left on a pool thread would hand some other connection's receive
                // a large buffer.
                _receivePool.ExpectLargeReceive();
            }
            var result = await _transport.Input.ReadAsync(closed);
            RtmpReceiveBufferPool.ForgetLargeReceive();
            if (result.IsCanceled)
            {
                ThrowIfTimedOut();
                if (_stopRequested)
                {
                    _state = RtmpSessionState.Closing;
                    break;
                }
            }
            // Once a play loop writes too, this loop writes and flushes only while it holds the output gate.
            var gated = _playLoop is not null;
            if (gated)
            {
                await _outputGate.WaitAsync(closed);
            }
            try
            {
                var now = _time.GetTimestamp();
                Volatile.Write(ref _lastInput, now);
                _chunks.Now = now;
                var buffer = result.Buffer;
                var received = buffer.Length;
                var unaccounted = received;
                try
                {
                    while (_state != RtmpSessionState.Closing && _chunks.TryRead(ref buffer, out var message))
                    {
                        // Counted per message, not per read, so a read holding several windows gets several ACKs.
                        Acknowledge(unaccounted - buffer.Length);
                        unaccounted = buffer.Length;
                        var command = HandleMessage(message);
                        if (command?.Name == Commands.CommandNames.Play)
                        {
                            await PlayAsync(command, message.StreamId, closed);
                        }
                        else if (command is not null)
                        {
                            await PublishAsync(command, message.StreamId, closed);
                        }
                    }
                }
                finally
                {
                    Acknowledge(unaccounted - buffer.Length);
                    TrackPartialInput(now, consumed: buffer.Length < received, unparsed: buffer.Length);
                    _transport.Input.AdvanceTo(buffer.Start, buffer.End);
                }
                if (_outputPending)
                {
                    _outputPending = false;
                    var flush = _transport.Output.FlushAsync(closed);
                    FlushResult flushed;
                    if (flush.IsCompleted)
                    {
                        flushed = flush.Result;
                    }
                    else
                    {
                        Volatile.Write(ref _writeSince, _time.GetTimestamp());
                        try
                        {
                            flushed = await flush;
                        }
                        finally
                        {
                            WriteWaited();
                        }
                    }
                    if (flushed.IsCanceled)
                    {
                        ThrowIfTimedOut();
                    }
                }
            }
            finally
            {
                if (gated)
                {
                    _outputGate.Release();
                }
            }
            if (_startPlayLoop)
            {
                StartPlayLoop(closed);
            }
            if (result.IsCompleted || result.IsCanceled)
            {
                break;
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

    private async ValueTask FlushAsync(CancellationToken closed)
    {
        if (!_outputPending)
        {
            return;
        }
        _outputPending = false;
        Volatile.Write(ref _writeSince, _time.GetTimestamp());
        FlushResult flushed;
        try
        {
            flushed = await _transport.Output.FlushAsync(closed);
        }
        finally
        {
            WriteWaited();
        }
        if (flushed.IsCanceled)
        {
            ThrowIfTimedOut();
        }
    }

    /// <summary>Handles one message synchronously; returns the publish command when one needs the (asynchronous) key
    /// check, and the play command (its stream may have to be pulled from another node).</summary>
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

    public async ValueTask DisposeAsync()
    {
        EndPublish();
        await EndPlayAsync();
        _chunks.Dispose();
    }
}
