using System.Buffers;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using StreamHub.Admission;
using StreamHub.Hosting;
using StreamHub.Live;
using StreamHub.Media;
using StreamHub.Media.Flv;
using StreamHub.Playback;
using StreamHub.Rtmp.Amf;
using StreamHub.Rtmp.Chunking;
using StreamHub.Rtmp.Commands;
using StreamHub.Rtmp.Messages;
using StreamHub.Rtmp.Playback;

namespace StreamHub.Rtmp.Session;

/// <summary>The play conversation (PROTOCOL-NOTES §3): play(name) by the stream's public name, answered with
/// StreamBegin, NetStream.Play.Reset and .Start and |RtmpSampleAccess; then a play loop, beside the read loop, writes
/// what the player's subscription yields (onMetaData, sequence headers, the GOP cache, live frames) until the publisher
/// stops (UnpublishNotify, StreamEOF, then the connection closes) or the player leaves.
/// <para>Two loops write to one pipe once playing, so every write and flush then happens under
/// <see cref="_outputGate"/>: the play loop takes it once per batch of frames, the read loop once per read.</para></summary>
public sealed partial class RtmpSession : ILiveReader, IRingSendOwner
{
    /// <summary>Bytes the play loop writes before it flushes and lets the read loop in.</summary>
    private const int PlayBatchBytes = 64 * 1024;

    private const int DataChunkStreamId = 5;

    private readonly OutputGate _outputGate = new();
    private readonly ArrayBufferWriter<byte> _playScratch = new(512);
    private PlayerSession? _player;
    private uint _playStreamId;
    private bool _startPlayLoop;
    private Task? _playLoop;

    // The play loop's own (see Pump).
    private readonly RtmpMediaOutput _playOutput = new();
    private PlayerSession? _pumped;
    private PipeWriter? _pumpOutput;
    private RtmpSocketOutput? _pumpSocket;
    private LiveSubscription? _pumpSubscription;
    private CancellationToken _playClosed;
    private TaskCompletionSource? _playEnded;
    private ValueTask _pendingGate;
    private ValueTask<FlushResult> _pendingFlush;
    private long _pendingWritten;
    private long _unreportedBytes;
    private Action? _afterGate;
    private Action? _afterFlush;

    /// <summary>Bytes sent the play loop adds to the player's count at a time.</summary>
    private const int ReportSentBytes = 64 * 1024;

    // Set by the play loop when its player was removed for falling behind: the connection is aborted, not closed.
    private volatile bool _abortRequested;

    /// <summary>Whether the session ended in a way that must not wait for the peer to take what is queued (a player
    /// removed for falling behind): the host aborts the connection instead of closing it.</summary>
    public bool AbortRequested => _abortRequested;

    /// <summary>The player this connection is, once play has been accepted.</summary>
    public PlayerSession? Player => _player;

    /// <summary>play(txn, null, name, start?, duration?, reset?). The name is the stream's public name (a query string
    /// is ignored); a name that is not live gets NetStream.Play.StreamNotFound and the connection closes, so a player
    /// fails at once. The requested name is not logged when it is not live: a viewer may paste a key by mistake. A
    /// stream live on another node of the cluster is pulled from there (<see cref="Cluster.EdgePulls"/>) before the answer.</summary>
    private async ValueTask PlayAsync(RtmpCommand command, uint messageStreamId, CancellationToken closed)
    {
        RequireConnected(command);
        if (_stream is not null || _player is not null)
        {
            RtmpThrow.ProtocolError(RtmpError.MalformedCommand, "play on a connection that already publishes or plays");
        }
        if (messageStreamId == 0)
        {
            RtmpThrow.ProtocolError(RtmpError.MalformedCommand, "play on message stream 0 (createStream first)");
        }
        var name = command.StringArgument(0) ?? string.Empty;
        var query = name.IndexOf('?');
        if (query >= 0)
        {
            name = name[..query];
        }
        var admission = await _admission.AdmitPlayAsync(name, _remoteIp, closed);
        if (admission.Refusal == AdmissionRefusal.AddressDenied)
        {
            RtmpLog.PlayAddressDenied(_logger, _connectionId, _remoteAddress);
            RefusePlay(messageStreamId, RtmpStatusCodes.PlayFailed, "Playback is not allowed from this address.");
            return;
        }
        if (_players is null || !admission.Admitted)
        {
            RtmpLog.PlayNotLive(_logger, _connectionId, _remoteAddress);
            RefusePlay(messageStreamId, RtmpStatusCodes.PlayStreamNotFound, "No live stream of that name.");
            return;
        }
        var stream = admission.Stream;
        _player = _players.Join(stream, PlaybackProtocol.Rtmp, _transportName, _connectionId, _remoteAddress);
        _player.Subscription.OnFellBehind(AbortFellBehind);
        _playStreamId = messageStreamId;
        _state = RtmpSessionState.Playing;
        var output = _transport.Output;
        ControlMessageWriter.WriteUserControl(output, UserControlEvent.StreamBegin, messageStreamId, _outChunkSize);
        WriteCommand(messageStreamId, CommandNames.OnStatus, 0, null,
            CommandWriter.Status(RtmpStatusCodes.LevelStatus, RtmpStatusCodes.PlayReset, $"Playing and resetting {stream.Name}."));
        WriteCommand(messageStreamId, CommandNames.OnStatus, 0, null,
            CommandWriter.Status(RtmpStatusCodes.LevelStatus, RtmpStatusCodes.PlayStart, $"Started playing {stream.Name}."));
        WriteData(output, _scratch, messageStreamId, 0, CommandNames.RtmpSampleAccess, true, true);
        _outputPending = true;
        // The loop starts once the read loop has flushed these answers: until then, the read loop alone writes.
        _startPlayLoop = true;
    }

    private void RefusePlay(uint messageStreamId, string code, string description)
    {
        WriteCommand(messageStreamId, CommandNames.OnStatus, 0, null, CommandWriter.Status(RtmpStatusCodes.LevelError, code, description));
        _state = RtmpSessionState.Closing;
    }

    /// <summary>Read loop, after the flush that sent play's answers: the play loop starts on the thread pool, and
    /// from then on runs whenever the subscription has something for it (<see cref="Pump"/>).</summary>
    private void StartPlayLoop(CancellationToken closed)
    {
        _startPlayLoop = false;
        if (_player is { } player)
        {
            _pumped = player;
            // Kept here, not read through the transport and the player each time: two objects fewer to bring in per frame.
            _pumpOutput = _transport.Output;
            _pumpSocket = _pumpOutput as RtmpSocketOutput;
            if (_pumpSocket is not null)
            {
                _pumpSocket.Owner = this;
                _pumpSocket.OwnerBytes = s_sessionBytes;
            }
            _pumpSubscription = player.Subscription;
            _playClosed = closed;
            _playEnded = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _playLoop = _playEnded.Task;
            player.Subscription.ReadOnWake(this);
            // Not with the connection's execution context (its logging scope): the loop runs once per frame.
            ThreadPool.UnsafeQueueUserWorkItem(static session => session.Pump(holdingGate: false), this, preferLocal: false);
        }
    }

    void ILiveReader.OnReadable() => Pump(holdingGate: false);

    private static readonly int s_gateBytes = CacheLines.InstanceBytes(typeof(OutputGate));
    private static readonly int s_mediaOutputBytes = CacheLines.InstanceBytes(typeof(RtmpMediaOutput));
    private static readonly int s_tokenSourceBytes = CacheLines.InstanceBytes(typeof(CancellationTokenSource));
    private static readonly int s_socketOutputBytes = CacheLines.InstanceBytes(typeof(RtmpSocketOutput));

    /// <summary>What <see cref="Pump"/> reads besides the session and the subscription: at depth 1 the output gate,
    /// the media output, the connection's token and the socket output; deeper the socket output's own objects
    /// (<see cref="RtmpSocketOutput.Prefetch"/>).</summary>
    void ILiveReader.Prefetch(int depth)
    {
        if (depth == 1)
        {
            CacheLines.Prefetch(_outputGate, s_gateBytes);
            CacheLines.Prefetch(_playOutput, s_mediaOutputBytes);
            // The token's one field is its source, whose state the gate checks.
            CacheLines.Prefetch(Unsafe.As<CancellationToken, object?>(ref _playClosed), s_tokenSourceBytes);
            CacheLines.Prefetch(_pumpSocket, s_socketOutputBytes);
        }
        else if (depth > 1)
        {
            _pumpSocket?.Prefetch(depth - 1);
        }
    }

    private static readonly int s_sessionBytes = CacheLines.InstanceBytes(typeof(RtmpSession));
    private static readonly int s_subscriptionBytes = CacheLines.InstanceBytes(typeof(LiveSubscription));

    /// <summary>What a flush's completion reads besides this session and its socket output: the output gate it lets
    /// go and the subscription the loop then parks.</summary>
    void IRingSendOwner.PrefetchForCompletion()
    {
        CacheLines.Prefetch(_outputGate, s_gateBytes);
        CacheLines.Prefetch(_pumpSubscription, s_subscriptionBytes);
    }

    /// <summary>The play loop: writes what the subscription holds and flushes it, batch after batch, then parks the
    /// subscription and returns; the next frame calls it again, on the thread that woke the stream's players. It runs
    /// synchronously while it can: the output gate free, and the flush taken by the socket at once (a player that keeps
    /// up). Otherwise it goes on when the gate or the flush completes (<see cref="AfterGate"/>, <see cref="AfterFlush"/>),
    /// without a thread waiting. One runs at a time: the subscription calls it only once parked, and it parks only when
    /// it returns. Ends (<see cref="FinishPlayAsync"/>) when the subscription has ended, the player left or the
    /// connection broke; the player session is disposed then.</summary>
    private void Pump(bool holdingGate)
    {
        var player = _pumped!;
        var subscription = _pumpSubscription!;
        var output = _pumpOutput!;
        try
        {
            while (true)
            {
                if (!holdingGate)
                {
                    if (subscription.TryPark(out var ended))
                    {
                        return;
                    }
                    if (ended)
                    {
                        _ = FinishPlayAsync(player, output);
                        return;
                    }
                    var gate = _outputGate.WaitAsync(_playClosed);
                    if (!gate.IsCompleted)
                    {
                        _pendingGate = gate;
                        gate.ConfigureAwait(false).GetAwaiter().UnsafeOnCompleted(_afterGate ??= AfterGate);
                        return;
                    }
                    gate.GetAwaiter().GetResult();
                    holdingGate = true;
                }
                var written = WriteQueued(subscription, output);
                if (written > 0)
                {
                    var flush = output.FlushAsync(_playClosed);
                    if (!flush.IsCompleted)
                    {
                        // The peer's window is full: the gate stays held until the send completes.
                        _pendingFlush = flush;
                        _pendingWritten = written;
                        Volatile.Write(ref _writeSince, _time.GetTimestamp());
                        flush.ConfigureAwait(false).GetAwaiter().UnsafeOnCompleted(_afterFlush ??= AfterFlush);
                        return;
                    }
                    var flushed = flush.Result;
                    if (flushed.IsCanceled || flushed.IsCompleted)
                    {
                        holdingGate = false;
                        _outputGate.Release();
                        WriteFailed(player);
                        return;
                    }
                }
                holdingGate = false;
                _outputGate.Release();
                CountSent(player, written);
            }
        }
        catch (Exception ex)
        {
            if (holdingGate)
            {
                _outputGate.Release();
            }
            PlayFailed(player, ex);
        }
    }

    /// <summary>The output gate, which the read loop held, is the play loop's now.</summary>
    private void AfterGate()
    {
        var gate = _pendingGate;
        _pendingGate = default;
        try
        {
            gate.GetAwaiter().GetResult();
        }
        catch (Exception ex)
        {
            PlayFailed(_pumped!, ex);
            return;
        }
        Pump(holdingGate: true);
    }

    /// <summary>A flush that waited for the peer has completed: the gate is let go and the loop goes on.</summary>
    private void AfterFlush()
    {
        WriteWaited();
        var player = _pumped!;
        var flush = _pendingFlush;
        _pendingFlush = default;
        FlushResult flushed;
        try
        {
            flushed = flush.GetAwaiter().GetResult();
        }
        catch (Exception ex)
        {
            _outputGate.Release();
            PlayFailed(player, ex);
            return;
        }
        _outputGate.Release();
        if (flushed.IsCanceled || flushed.IsCompleted)
        {
            WriteFailed(player);
            return;
        }
        CountSent(player, _pendingWritten);
        Pump(holdingGate: false);
    }

    /// <summary>Bytes sent are added to the player's count a few frames at a time (and all at the end): the count is
    /// on a line of its own, shared with whoever reads the stats, and adding to it per frame cost a miss each time.</summary>
    private void CountSent(PlayerSession player, long written)
    {
        _unreportedBytes += written;
        if (_unreportedBytes >= ReportSentBytes)
        {
            player.AddBytesSent(_unreportedBytes);
            _unreportedBytes = 0;
        }
    }

    private void WriteFailed(PlayerSession player)
    {
        player.SetLeaveReason("a write to the player timed out or its connection closed");
        RequestClose();
        EndPlayLoop(player, null);
    }

    private void PlayFailed(PlayerSession player, Exception ex)
    {
        RequestClose();
        if (ex is OperationCanceledException or InvalidOperationException or IOException)
        {
            // The connection closed under the loop (its pipe completed or its token fired): the read loop ends it.
            player.SetLeaveReason("the connection closed");
            EndPlayLoop(player, null);
            return;
        }
        EndPlayLoop(player, ex);
    }

    /// <summary>The subscription has ended: the player is told why (the publisher stopped) or the connection is aborted
    /// (it fell behind), and the loop ends.</summary>
    private async Task FinishPlayAsync(PlayerSession player, PipeWriter output)
    {
        Exception? failure = null;
        try
        {
            switch (player.Subscription.End)
            {
                case SubscriptionEnd.PublishEnded:
                    await EndPlaybackAsync(output, _playClosed);
                    break;
                case SubscriptionEnd.FellBehind:
                    // Removed by the publisher's thread (its log line says why); the peer is not reading, so the
                    // connection is aborted rather than drained.
                    _abortRequested = true;
                    RequestClose();
                    break;
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or InvalidOperationException or IOException)
        {
            player.SetLeaveReason("the connection closed");
            RequestClose();
        }
        catch (Exception ex)
        {
            RequestClose();
            failure = ex;
        }
        EndPlayLoop(player, failure);
    }

    /// <summary>The loop's end: the player's last bytes are counted, it leaves the stream (its log line), and
    /// <see cref="EndPlayAsync"/> may go on.</summary>
    private void EndPlayLoop(PlayerSession player, Exception? failure)
    {
        try
        {
            player.AddBytesSent(_unreportedBytes);
            _unreportedBytes = 0;
            player.Dispose();
        }
        finally
        {
            if (failure is null)
            {
                _playEnded!.TrySetResult();
            }
            else
            {
                _playEnded!.TrySetException(failure);
            }
        }
    }

    /// <summary>Drains what is queued, up to <see cref="PlayBatchBytes"/>; returns the bytes written.</summary>
    private long WriteQueued(LiveSubscription subscription, PipeWriter output)
    {
        long written = 0;
        while (written < PlayBatchBytes && output is not RtmpSocketOutput { QueuedBuffers: >= RtmpSocketOutput.MaxQueuedBuffers }
            && subscription.TryRead(out var item))
        {
            if (item.Frame is { } frame)
            {
                // The queue's reference goes to the output, which lets go of it once the frame is sent.
                written += _playOutput.WriteTaking(output, frame, _outChunkSize, _playStreamId);
            }
            else if (item.Metadata is { } metadata)
            {
                written += WriteData(output, _playScratch, _playStreamId, _playOutput.Timestamp, CommandNames.OnMetaData, metadata);
            }
        }
        return written;
    }

    /// <summary>An AMF0 data message (type 18) on the play stream: onMetaData, |RtmpSampleAccess.</summary>
    private int WriteData(PipeWriter output, ArrayBufferWriter<byte> scratch, uint messageStreamId, uint timestamp, string name, params ReadOnlySpan<object?> values)
    {
        scratch.ResetWrittenCount();
        Amf0Writer.WriteString(scratch, name);
        foreach (var value in values)
        {
            Amf0Writer.WriteValue(scratch, value);
        }
        var body = scratch.WrittenCount;
        ChunkWriter.WriteMessage(output, DataChunkStreamId, timestamp, RtmpMessageType.Amf0Data, messageStreamId, scratch.WrittenSpan, _outChunkSize);
        var headers = 12 + (body - 1) / _outChunkSize + (timestamp >= 0xFFFFFF ? 4 + 4 * ((body - 1) / _outChunkSize) : 0);
        return body + headers;
    }

    /// <summary>Flushes the play's last messages, timed by the heartbeat's write deadline; false when it timed out.</summary>
    private async ValueTask<bool> FlushPlayAsync(PipeWriter output, CancellationToken closed)
    {
        var flush = output.FlushAsync(closed);
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
        return !flushed.IsCanceled && !flushed.IsCompleted;
    }

    /// <summary>The publisher stopped: NetStream.Play.UnpublishNotify and .Stop, StreamEOF, then the connection closes
    /// once they are sent (ffmpeg and librtmp end the play cleanly on these).</summary>
    private async Task EndPlaybackAsync(PipeWriter output, CancellationToken closed)
    {
        await _outputGate.WaitAsync(closed);
        try
        {
            var stream = _player?.Stream.Name ?? string.Empty;
            CommandWriter.Write(output, _playScratch, StreamChunkStreamId, _playStreamId, _outChunkSize, CommandNames.OnStatus, 0, [null,
                CommandWriter.Status(RtmpStatusCodes.LevelStatus, RtmpStatusCodes.PlayUnpublishNotify, $"{stream} is now unpublished.")]);
            CommandWriter.Write(output, _playScratch, StreamChunkStreamId, _playStreamId, _outChunkSize, CommandNames.OnStatus, 0, [null,
                CommandWriter.Status(RtmpStatusCodes.LevelStatus, RtmpStatusCodes.PlayStop, $"Stopped playing {stream}.")]);
            ControlMessageWriter.WriteUserControl(output, UserControlEvent.StreamEof, _playStreamId, _outChunkSize);
            await FlushPlayAsync(output, closed);
        }
        finally
        {
            _outputGate.Release();
        }
        RequestClose();
    }

    /// <summary>The player was removed for falling behind (publisher's thread). Its play loop may be blocked in a flush
    /// that a peer which stopped reading never lets complete, and would only notice at the write timeout: the flush is
    /// cancelled and the connection aborted now, which also lets go of the frames still queued for it.</summary>
    private void AbortFellBehind()
    {
        _abortRequested = true;
        _transport.Output.CancelPendingFlush();
        RequestClose();
    }

    /// <summary>Ends the read loop from the play loop: the session returns and the connection closes.</summary>
    private void RequestClose()
    {
        _stopRequested = true;
        _transport.Input.CancelPendingRead();
    }

    /// <summary>closeStream/deleteStream from the player (the read loop): the play loop stops and leaves the stream.</summary>
    private void StopPlaying(string reason)
    {
        if (_player is not { } player)
        {
            return;
        }
        player.SetLeaveReason(reason);
        player.Subscription.Leave();
        if (_state == RtmpSessionState.Playing)
        {
            _state = RtmpSessionState.Connected;
        }
    }

    /// <summary>The connection ending: the play loop is stopped and awaited, so nothing writes to the pipe after the
    /// session is gone.</summary>
    private async ValueTask EndPlayAsync()
    {
        if (_player is not { } player)
        {
            return;
        }
        _player = null;
        player.SetLeaveReason("the connection closed");
        if (_playLoop is { } loop)
        {
            player.Subscription.Leave();
            // A flush blocked on a peer that stopped reading is let go.
            _transport.Output.CancelPendingFlush();
            await loop;
        }
        else
        {
            // Accepted, but the connection ended before the answers were flushed: no loop ever read the subscription.
            player.Dispose();
        }
    }
}
