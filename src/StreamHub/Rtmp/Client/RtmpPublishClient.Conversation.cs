using System.Buffers;
using StreamHub.Rtmp.Amf;
using StreamHub.Rtmp.Commands;
using StreamHub.Rtmp.Handshake;
using StreamHub.Rtmp.Messages;

namespace StreamHub.Rtmp.Client;

/// <summary>The publish conversation (PROTOCOL-NOTES §3, from the encoder's side): handshake; connect and its _result;
/// releaseStream, FCPublish and createStream in one flush, then createStream's _result; publish and
/// NetStream.Publish.Start. Each round trip with the server must finish within
/// <see cref="RtmpClientOptions.ReplyTimeout"/>.</summary>
public sealed partial class RtmpPublishClient
{
    private const string PublishType = "live";

    /// <summary>How much of a broken handshake answer an exception carries: enough to tell HTTP or TLS from RTMP.</summary>
    private const int HandshakeHeadSize = 16;

    private double _nextTransaction = 1;
    private string? _streamName;

    /// <summary>The start of what the server has sent during the handshake, for the exception should it fail.</summary>
    private byte[] _handshakeHead = [];

    /// <summary>C0 and C1, then S0, S1 and S2, then C2 (an echo of S1). <paramref name="scheme"/> Simple sends a
    /// version-zero C1; Digest0 or Digest1 sends a signed one, as Flash Player and FFmpeg do. When the server answers
    /// with something else, cuts the answer short or says nothing, the exception's
    /// <see cref="RtmpClientException.Received"/> holds the start of what it sent (an HTTP or TLS server shows there).</summary>
    public Task<HandshakeExchange> HandshakeAsync(HandshakeScheme scheme = HandshakeScheme.Simple, CancellationToken cancellationToken = default)
    {
        RequireState(RtmpPublishClientState.Handshake, "The handshake");
        const int size = HandshakeDigest.PacketSize;
        var c1 = new byte[size];
        var random = new byte[size - 8];
        Random.Shared.NextBytes(random);
        ClientHandshake.WriteC1(c1, scheme, random);
        return WithinReplyTimeoutAsync("the handshake", async deadline =>
        {
            await SendAsync("C0 and C1", () =>
            {
                _output.GetSpan(1)[0] = HandshakeReader.RtmpVersion;
                _output.Advance(1);
                _output.Write(c1);
            }, deadline);
            var s1 = new byte[size];
            var s2 = new byte[size];
            await ReadS0S1S2Async(s1, s2, deadline);
            await SendAsync("C2", () => _output.Write(s1), deadline);
            State = RtmpPublishClientState.AwaitingConnect;
            return new HandshakeExchange(scheme, c1, s1, s2);
        }, cancellationToken);
    }

    /// <summary>For a transport that ran the handshake itself before handing its pipes over (an RTMPE transport: the
    /// handshake in the clear, then RC4 below this client): the conversation starts at connect.</summary>
    public void HandshakeDoneByTransport()
    {
        RequireState(RtmpPublishClientState.Handshake, "The handshake");
        State = RtmpPublishClientState.AwaitingConnect;
    }

    /// <summary>Set Chunk Size for what this client sends from now on (RTMP 1.0 §5.4.1). Encoders send it before
    /// connect: large media messages then travel in a few chunks.</summary>
    public Task SetChunkSizeAsync(int chunkSize, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(chunkSize, 1);
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (State == RtmpPublishClientState.Handshake)
        {
            throw new InvalidOperationException("Set Chunk Size needs the handshake done first.");
        }
        return WithinReplyTimeoutAsync("Set Chunk Size", deadline => SendAsync("Set Chunk Size", () =>
        {
            ControlMessageWriter.WriteSetChunkSize(_output, chunkSize, OutChunkSize);
            OutChunkSize = chunkSize;
        }, deadline), cancellationToken);
    }

    /// <summary>connect(<paramref name="application"/>) and its _result, which is returned (the server's properties
    /// and NetConnection.Connect.Success). An _error is <see cref="RtmpClientError.ConnectRejected"/>.</summary>
    public Task<RtmpCommand> ConnectAppAsync(string application, string tcUrl, CancellationToken cancellationToken = default)
    {
        RequireState(RtmpPublishClientState.AwaitingConnect, "connect");
        var transaction = _nextTransaction++;
        return WithinReplyTimeoutAsync("connect", async deadline =>
        {
            await SendAsync("connect", () => CommandWriter.Write(_output, _scratch, CommandChunkStreamId, 0, OutChunkSize,
                CommandNames.Connect, transaction, new AmfObject
                {
                    ["app"] = application,
                    ["type"] = "nonprivate",
                    ["flashVer"] = Options.FlashVersion,
                    ["tcUrl"] = tcUrl,
                }), deadline);
            var reply = await ReadCommandAsync(transaction, "connect", deadline);
            if (reply.Name != CommandNames.Result)
            {
                throw Refused(RtmpClientError.ConnectRejected, "connect", reply);
            }
            State = RtmpPublishClientState.Connected;
            return reply;
        }, cancellationToken);
    }

    /// <summary>releaseStream, FCPublish and createStream, then publish(<paramref name="streamName"/>, "live") on the
    /// new stream; returns its message stream id once the server answers NetStream.Publish.Start. An error onStatus
    /// (BadName, Denied) is <see cref="RtmpClientError.PublishRefused"/>; the server closes the connection after it.</summary>
    public async Task<uint> PublishAsync(string streamName, CancellationToken cancellationToken = default)
    {
        RequireState(RtmpPublishClientState.Connected, "publish");
        var release = _nextTransaction++;
        var announce = _nextTransaction++;
        var streamId = await CreateStreamAsync(
            () =>
            {
                // The replies to releaseStream and FCPublish are skipped: servers answer them with _result, _error or
                // onFCPublish, and encoders carry on either way.
                CommandWriter.Write(_output, _scratch, CommandChunkStreamId, 0, OutChunkSize, CommandNames.ReleaseStream, release, null, streamName);
                CommandWriter.Write(_output, _scratch, CommandChunkStreamId, 0, OutChunkSize, CommandNames.FcPublish, announce, null, streamName);
            }, cancellationToken);

        await BeginStreamAsync(CommandNames.Publish, streamId, streamName, PublishType, RtmpStatusCodes.PublishStart,
            RtmpClientError.PublishRefused, RtmpPublishClientState.Publishing, cancellationToken);
        return streamId;
    }

    /// <summary>createStream (after what <paramref name="before"/> writes, in the same flush) and its _result: the new
    /// message stream's id.</summary>
    private Task<uint> CreateStreamAsync(Action? before, CancellationToken cancellationToken)
    {
        var create = _nextTransaction++;
        return WithinReplyTimeoutAsync("createStream", async deadline =>
        {
            await SendAsync("createStream", () =>
            {
                before?.Invoke();
                CommandWriter.Write(_output, _scratch, CommandChunkStreamId, 0, OutChunkSize, CommandNames.CreateStream, create, [null]);
            }, deadline);
            var created = await ReadCommandAsync(create, "createStream", deadline);
            if (created.Name != CommandNames.Result)
            {
                throw Refused(RtmpClientError.CreateStreamFailed, "createStream", created);
            }
            return created.NumberArgument(0) is { } id && id >= 1 && id <= uint.MaxValue && id == Math.Floor(id)
                ? (uint)id
                : throw new RtmpClientException(RtmpClientError.CreateStreamFailed, "createStream answered without a usable stream id", created);
        }, cancellationToken);
    }

    /// <summary>createStream, then play(<paramref name="streamName"/>) on the new stream; returns once the server answers NetStream.Play.Start. An error onStatus (StreamNotFound,
    /// Failed) is <see cref="RtmpClientError.PlayRefused"/>. What follows is read with <see cref="ReadMessageAsync"/>:
    /// onMetaData, sequence headers and media on the returned message stream, until UnpublishNotify or StreamEOF.</summary>
    public async Task<uint> PlayAsync(string streamName, CancellationToken cancellationToken = default)
    {
        RequireState(RtmpPublishClientState.Connected, "play");
        var streamId = await CreateStreamAsync(null, cancellationToken);
        // Start -1: live only, as ffplay sends it.
        await BeginStreamAsync(CommandNames.Play, streamId, streamName, -1.0, RtmpStatusCodes.PlayStart, RtmpClientError.PlayRefused,
            RtmpPublishClientState.Playing, cancellationToken);
        return streamId;
    }

    /// <summary>publish or play (<paramref name="command"/>) of <paramref name="streamName"/> on
    /// <paramref name="streamId"/>, then onStatus messages until one says <paramref name="started"/>; one with level
    /// error is thrown as <paramref name="refusal"/>, others (NetStream.Publish.Reset or NetStream.Play.Reset first, as
    /// servers send) are passed over.</summary>
    private async Task BeginStreamAsync(string command, uint streamId, string streamName, object argument, string started,
        RtmpClientError refusal, RtmpPublishClientState state, CancellationToken cancellationToken)
    {
        var transaction = _nextTransaction++;
        await WithinReplyTimeoutAsync(command, async deadline =>
        {
            await SendAsync(command, () => CommandWriter.Write(_output, _scratch, StreamCommandChunkStreamId, streamId, OutChunkSize,
                command, transaction, null, streamName, argument), deadline);
            while (true)
            {
                var status = await ReadCommandAsync(null, command, deadline);
                var info = RtmpClientException.InfoObject(status);
                if (info?.GetString("code") == started)
                {
                    return status;
                }
                if (info?.GetString("level") == RtmpStatusCodes.LevelError)
                {
                    throw Refused(refusal, command, status);
                }
            }
        }, cancellationToken);
        StreamId = streamId;
        _streamName = streamName;
        State = state;
    }

    /// <summary>FCUnpublish and deleteStream: the server ends the stream and the connection stays open (a new
    /// <see cref="PublishAsync"/> may follow). Servers do not answer these.</summary>
    public async Task UnpublishAsync(CancellationToken cancellationToken = default)
    {
        RequireState(RtmpPublishClientState.Publishing, "unpublish");
        var streamName = _streamName!;
        var streamId = StreamId;
        var announce = _nextTransaction++;
        var delete = _nextTransaction++;
        await WithinReplyTimeoutAsync("unpublish", deadline => SendAsync("FCUnpublish and deleteStream", () =>
        {
            CommandWriter.Write(_output, _scratch, CommandChunkStreamId, 0, OutChunkSize, CommandNames.FcUnpublish, announce, null, streamName);
            CommandWriter.Write(_output, _scratch, CommandChunkStreamId, 0, OutChunkSize, CommandNames.DeleteStream, delete, null, (double)streamId);
        }, deadline), cancellationToken);
        StreamId = 0;
        _streamName = null;
        State = RtmpPublishClientState.Connected;
    }

    /// <summary>The next _result/_error with <paramref name="transactionId"/>, or (null) the next onStatus.</summary>
    private async Task<RtmpCommand> ReadCommandAsync(double? transactionId, string step, CancellationToken cancellationToken)
    {
        while (await ReadMessageAsync(cancellationToken) is { } message)
        {
            if (message.Type is not (RtmpMessageType.Amf0Command or RtmpMessageType.Amf3Command))
            {
                continue;
            }
            var command = ReadCommand(message);
            var wanted = transactionId is { } id
                ? command.TransactionId == id && command.Name is CommandNames.Result or CommandNames.Error
                : command.Name == CommandNames.OnStatus;
            if (wanted)
            {
                return command;
            }
        }
        throw Closed($"before answering {step}");
    }

    private async Task ReadS0S1S2Async(byte[] s1, byte[] s2, CancellationToken cancellationToken)
    {
        while (true)
        {
            var result = await _input.ReadAsync(cancellationToken);
            var buffer = result.Buffer;
            var length = buffer.Length;
            if (_handshakeHead.Length < HandshakeHeadSize && length > _handshakeHead.Length)
            {
                _handshakeHead = buffer.Slice(0, Math.Min(length, HandshakeHeadSize)).ToArray();
            }
            var done = false;
            try
            {
                done = ClientHandshake.TryReadS0S1S2(ref buffer, s1, s2);
            }
            catch (RtmpProtocolException e)
            {
                throw new RtmpClientException(RtmpClientError.ProtocolViolation,
                    $"the server broke the RTMP protocol ({e.Error}): {e.Message}", innerException: e, received: _handshakeHead);
            }
            finally
            {
                if (done)
                {
                    _input.AdvanceTo(buffer.Start);
                }
                else
                {
                    _input.AdvanceTo(buffer.Start, buffer.End);
                }
            }
            if (done)
            {
                _acknowledgements.Add(length - buffer.Length);
                return;
            }
            if (result.IsCompleted)
            {
                throw new RtmpClientException(RtmpClientError.ConnectionClosed,
                    "the server closed the connection before answering the handshake", received: _handshakeHead);
            }
        }
    }

    /// <summary>Writes under the write gate and flushes.</summary>
    private async Task SendAsync(string what, Action write, CancellationToken cancellationToken)
    {
        await _writeGate.WaitAsync(cancellationToken);
        try
        {
            write();
            await FlushAsync(what, cancellationToken);
        }
        finally
        {
            _writeGate.Release();
        }
    }

    /// <summary>Runs one round trip with the server under <see cref="RtmpClientOptions.ReplyTimeout"/>. The deadline
    /// firing is <see cref="RtmpClientError.Timeout"/>; the caller's token firing stays an
    /// <see cref="OperationCanceledException"/>.</summary>
    private async Task<T> WithinReplyTimeoutAsync<T>(string step, Func<CancellationToken, Task<T>> exchange, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(Options.ReplyTimeout);
        try
        {
            return await exchange(deadline.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw TimedOut(step);
        }
    }

    private async Task WithinReplyTimeoutAsync(string step, Func<CancellationToken, Task> exchange, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(Options.ReplyTimeout);
        try
        {
            await exchange(deadline.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw TimedOut(step);
        }
    }

    private RtmpClientException TimedOut(string step) =>
        new(RtmpClientError.Timeout, $"{step} timed out: no answer from the server within {Options.ReplyTimeout.TotalSeconds:0.###} s",
            received: State == RtmpPublishClientState.Handshake ? _handshakeHead : null);

    /// <summary>The refusal names the step and the status code only (see <see cref="RtmpClientException"/>).</summary>
    private static RtmpClientException Refused(RtmpClientError error, string step, RtmpCommand reply) =>
        new(error, $"{step} refused: {RtmpClientException.InfoObject(reply)?.GetString("code") ?? reply.Name}", reply);
}
