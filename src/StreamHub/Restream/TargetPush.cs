using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;
using StreamHub.Live;
using StreamHub.Media;
using StreamHub.Media.Flv;
using StreamHub.Rtmp.Amf;
using StreamHub.Rtmp.Chunking;
using StreamHub.Rtmp.Client;
using StreamHub.Rtmp.Commands;
using StreamHub.Rtmp.Handshake;
using StreamHub.Rtmp.Messages;
using StreamHub.Rtmp.Playback;

namespace StreamHub.Restream;

/// <summary>The push of one live stream to one target, on its own task: connect (TCP or TLS), handshake, connect,
/// publish(key), then what a fresh subscription yields (onMetaData and the sequence headers from its priming, the GOP
/// cache or the next keyframe, then live frames) until the stream ends or the target is stopped; on a failure, wait
/// (<see cref="RestreamBackoff"/>) and start again with a fresh subscription, so every attempt resumes at a keyframe.
/// <para>States: Connecting → Live → (stream ends) Idle; any failure → Retrying (or Failed for a refusal retrying
/// cannot fix soon: the key, the application, the certificate) → Connecting after the wait; stopped through the API →
/// Disabled, or Idle when deleted or changed. One log line per change.</para>
/// <para>Timestamps are the stream's own (absolute) DTS, as RTMP players get them: each frame's chunks are then
/// serialised once and shared by every target and player with the same chunk size and message stream id
/// (<see cref="MediaFrame.GetOrAddEncoding"/>), so a target costs no copy of the media, only the socket write. After a
/// reconnect the platform sees a new publish starting at the stream's current time, as when an encoder reconnects
/// with absolute timestamps; RTMP servers (nginx-rtmp, YouTube, Twitch) rebase each publish.</para>
/// <para>A slow target never holds anything else up: its subscription's bounded queue drops to keyframes (and removes
/// it when it falls too far behind), every wait for the platform is bounded (connect steps by
/// <see cref="RestreamOptions.ConnectTimeoutSeconds"/>, each flush by <see cref="RestreamOptions.WriteTimeoutSeconds"/>),
/// and all of its I/O runs on this task.</para></summary>
public sealed class TargetPush
{
    /// <summary>Bytes written before a flush, as the RTMP play loop does.</summary>
    private const int BatchBytes = 64 * 1024;

    /// <summary>A push that stayed live this long starts its backoff again from the first step when it fails.</summary>
    private static readonly TimeSpan StableAfter = TimeSpan.FromSeconds(5);

    /// <summary>How long a stopping push waits for FCUnpublish and deleteStream to go out.</summary>
    private static readonly TimeSpan UnpublishTimeout = TimeSpan.FromSeconds(2);

    /// <summary>How long a stopping push may go on flushing what it was writing.</summary>
    private static readonly TimeSpan StopFlushTimeout = TimeSpan.FromSeconds(1);

    private readonly string _streamName;
    private readonly RestreamOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private readonly BitrateMeter _bitrate;
    private readonly ArrayBufferWriter<byte> _scratch = new(512);

    // Guarded by _gate.
    private RestreamTarget _target;
    private TargetState _state = TargetState.Idle;
    private DateTimeOffset _since;
    private string? _lastError;
    private int _reconnects;
    private LiveStream? _publish;
    private CancellationTokenSource? _stop;
    private Task? _run;
    private TargetState _exitState = TargetState.Idle;

    // Counters: written by the push task, read by the status and /metrics.
    private long _bytesSent;
    private long _bytesSentTotal;
    private long _reconnectsTotal;

    // The push task's own, for the attempt under way.
    private RtmpPublishClient? _client;
    private LiveSubscription? _subscription;
    private readonly RtmpMediaOutput _media = new();

    public TargetPush(string streamName, RestreamTarget target, RestreamOptions options, TimeProvider time, ILogger logger)
    {
        _streamName = streamName;
        _target = target;
        _options = options;
        _time = time;
        _logger = logger;
        _bitrate = new BitrateMeter(time);
        _since = time.GetUtcNow();
    }

    public long Id => Target.Id;

    public RestreamTarget Target
    {
        get
        {
            lock (_gate)
            {
                return _target;
            }
        }
    }

    public TargetState State
    {
        get
        {
            lock (_gate)
            {
                return _state;
            }
        }
    }

    /// <summary>Bytes sent to this target since the process started (the /metrics counter).</summary>
    public long BytesSentTotal => Interlocked.Read(ref _bytesSentTotal);

    /// <summary>Reconnects since the process started (the /metrics counter).</summary>
    public long ReconnectsTotal => Interlocked.Read(ref _reconnectsTotal);

    public string StreamName => _streamName;

    public TargetStatus Status()
    {
        lock (_gate)
        {
            return new TargetStatus(_target.Name, _target.Host, _state, _since, Interlocked.Read(ref _bytesSent), _bitrate.BitsPerSecond(),
                _lastError, _reconnects);
        }
    }

    /// <summary>Whether a push of <paramref name="stream"/> to <paramref name="target"/> runs now.</summary>
    public bool IsPushing(LiveStream stream, RestreamTarget target)
    {
        lock (_gate)
        {
            return _run is { IsCompleted: false } && ReferenceEquals(_publish, stream) && _target == target;
        }
    }

    /// <summary>Starts pushing <paramref name="stream"/> to <paramref name="target"/> until <paramref name="live"/>
    /// fires (the stream ended) or <see cref="StopAsync"/>. The counters start again for a new publish.</summary>
    public void Start(LiveStream stream, RestreamTarget target, CancellationToken live)
    {
        lock (_gate)
        {
            if (_run is { IsCompleted: false })
            {
                throw new InvalidOperationException("The push runs already; stop it first.");
            }
            if (!ReferenceEquals(_publish, stream))
            {
                _publish = stream;
                _reconnects = 0;
                _lastError = null;
                Interlocked.Exchange(ref _bytesSent, 0);
            }
            _target = target;
            _exitState = TargetState.Idle;
            _stop?.Dispose();
            _stop = CancellationTokenSource.CreateLinkedTokenSource(live);
            var token = _stop.Token;
            _run = Task.Run(() => RunAsync(stream, target, token), CancellationToken.None);
        }
    }

    /// <summary>Stops the push (FCUnpublish and deleteStream when live, then the connection closes) and waits for it;
    /// the target then shows <paramref name="exitState"/> (Idle, or Disabled). <paramref name="latest"/> replaces the
    /// target shown.</summary>
    public async Task StopAsync(TargetState exitState, RestreamTarget? latest = null)
    {
        Task? run;
        CancellationTokenSource? stop;
        lock (_gate)
        {
            if (latest is not null)
            {
                _target = latest;
            }
            _exitState = exitState;
            run = _run;
            stop = _stop;
        }
        if (run is { IsCompleted: false })
        {
            await stop!.CancelAsync();
            await run;
        }
        else
        {
            SetState(exitState);
        }
    }

    private async Task RunAsync(LiveStream stream, RestreamTarget target, CancellationToken stop)
    {
        var failures = 0;
        var attempt = 0;
        try
        {
            while (!stop.IsCancellationRequested)
            {
                if (attempt++ > 0)
                {
                    lock (_gate)
                    {
                        _reconnects++;
                    }
                    Interlocked.Increment(ref _reconnectsTotal);
                }
                SetState(TargetState.Connecting);
                long liveAt = 0;
                TimeSpan wait;
                try
                {
                    _client = await OpenAsync(target, stop);
                    liveAt = _time.GetTimestamp();
                    SetState(TargetState.Live);
                    if (await PumpAsync(stream, stop))
                    {
                        await UnpublishAsync();
                    }
                    return; // the stream ended, or the push was stopped
                }
                catch (Exception ex) when (!stop.IsCancellationRequested)
                {
                    var wasLive = liveAt != 0;
                    if (ex is not (RtmpClientException or SocketException or IOException or TimeoutException or OperationCanceledException))
                    {
                        RestreamLog.PushCrashed(_logger, ex, _streamName, target.Name, target.Host);
                    }
                    var failure = PushFailure.Of(ex, target, wasLive);
                    failures = wasLive && _time.GetElapsedTime(liveAt) >= StableAfter ? 1 : failures + 1;
                    var max = TimeSpan.FromSeconds(_options.RetryMaxSeconds);
                    wait = failure.Lasting ? max : RestreamBackoff.Delay(failures, TimeSpan.FromSeconds(_options.RetryInitialSeconds), max, Random.Shared.NextDouble());
                    SetState(failure.Lasting ? TargetState.Failed : TargetState.Retrying, failure.Error);
                }
                finally
                {
                    if (_client is { } client)
                    {
                        _client = null;
                        await client.AbortAsync();
                    }
                }
                await Task.Delay(wait, _time, stop);
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
        finally
        {
            TargetState exit;
            lock (_gate)
            {
                exit = _exitState;
            }
            SetState(exit);
        }
    }

    /// <summary>TCP or TLS, the handshake (with a digest, as FFmpeg sends it), Set Chunk Size, connect(app, tcUrl),
    /// then releaseStream, FCPublish, createStream and publish(key) up to NetStream.Publish.Start.</summary>
    private async Task<RtmpPublishClient> OpenAsync(RestreamTarget target, CancellationToken stop)
    {
        var options = new RtmpClientOptions { ReplyTimeout = TimeSpan.FromSeconds(_options.ConnectTimeoutSeconds) };
        var client = target.Scheme == RestreamScheme.Rtmps
            ? await RtmpPublishClient.ConnectTlsAsync(target.Host, target.Port, target.AllowUntrustedCertificate, options, stop)
            : await RtmpPublishClient.ConnectAsync(target.Host, target.Port, options, stop);
        try
        {
            await client.HandshakeAsync(HandshakeScheme.Digest0, stop);
            await client.SetChunkSizeAsync(_options.ChunkSize, stop);
            await client.ConnectAppAsync(target.Application, TcUrl(target), stop);
            await client.PublishAsync(target.Key, stop);
            return client;
        }
        catch
        {
            await client.AbortAsync();
            throw;
        }
    }

    /// <summary>rtmp[s]://host:port/app, as OBS and FFmpeg send it (an IPv6 address in brackets).</summary>
    internal static string TcUrl(RestreamTarget target)
    {
        var scheme = target.Scheme == RestreamScheme.Rtmps ? "rtmps" : "rtmp";
        var host = target.Host.Contains(':', StringComparison.Ordinal) ? $"[{target.Host}]" : target.Host;
        return $"{scheme}://{host}:{target.Port}/{target.Application}";
    }

    /// <summary>Writes what a fresh subscription yields until the stream ends (true) or the push is stopped (false);
    /// a platform that closes, resets, stops reading or falls behind is an exception.</summary>
    private async Task<bool> PumpAsync(LiveStream stream, CancellationToken stop)
    {
        var client = _client!;
        var writeTimeout = TimeSpan.FromSeconds(_options.WriteTimeoutSeconds);
        using var subscription = stream.Subscribe(new SubscriptionOptions($"restream {Target.Name} ({Target.Host})"));
        using var deadline = new CancellationTokenSource();
        using var reading = new CancellationTokenSource();
        _subscription = subscription;
        _media.Reset();
        // The server's messages (acknowledgement windows, pings, a close or a reset) are read beside the writes.
        var server = DrainAsync(client, subscription, reading.Token);
        await using var onStop = stop.Register(static state =>
        {
            var (subscription, deadline) = ((LiveSubscription, CancellationTokenSource))state!;
            subscription.Leave();
            deadline.CancelAfter(StopFlushTimeout);
        }, (subscription, deadline));
        Exception? serverEnd;
        try
        {
            while (await subscription.WaitToReadAsync())
            {
                deadline.CancelAfter(writeTimeout);
                long written;
                try
                {
                    written = await client.WriteChunksAsync(static (output, push) => push.WriteQueued(output), this, deadline.Token);
                }
                catch (OperationCanceledException) when (!stop.IsCancellationRequested)
                {
                    throw new TimeoutException($"the platform took nothing for {writeTimeout.TotalSeconds:0.###} s (write timeout)");
                }
                deadline.CancelAfter(Timeout.InfiniteTimeSpan);
                if (written > 0)
                {
                    Interlocked.Add(ref _bytesSent, written);
                    Interlocked.Add(ref _bytesSentTotal, written);
                    _bitrate.Add((int)written);
                }
            }
        }
        finally
        {
            _subscription = null;
            await reading.CancelAsync();
            serverEnd = await server;
        }
        if (stop.IsCancellationRequested)
        {
            return true;
        }
        if (serverEnd is not null)
        {
            throw serverEnd;
        }
        return subscription.End switch
        {
            SubscriptionEnd.PublishEnded => true,
            SubscriptionEnd.FellBehind => throw new TimeoutException(
                "the platform took the stream slower than it is published and fell too far behind (StreamHub:Live:SubscriberMaxBehindSeconds)"),
            _ => false,
        };
    }

    /// <summary>Reads the server until it closes or the pump is done; a close or a failure wakes the pump (the
    /// subscription is left) and is returned.</summary>
    private static async Task<Exception?> DrainAsync(RtmpPublishClient client, LiveSubscription subscription, CancellationToken cancellationToken)
    {
        await Task.Yield();
        try
        {
            while (await client.ReadMessageAsync(cancellationToken) is not null)
            {
            }
            return new RtmpClientException(RtmpClientError.ConnectionClosed, "the server closed the connection mid-stream");
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return null;
        }
        catch (Exception ex)
        {
            return ex;
        }
        finally
        {
            subscription.Leave();
        }
    }

    /// <summary>Drains what is queued, up to <see cref="BatchBytes"/>, into the output; returns the bytes written.</summary>
    private long WriteQueued(PipeWriter output)
    {
        var subscription = _subscription!;
        long written = 0;
        while (written < BatchBytes && subscription.TryRead(out var item))
        {
            if (item.Frame is { } frame)
            {
                try
                {
                    written += _media.Write(output, frame, _client!.OutChunkSize, _client.StreamId);
                }
                finally
                {
                    frame.Release();
                }
            }
            else if (item.Metadata is { } metadata)
            {
                written += WriteMetadata(output, metadata);
            }
        }
        return written;
    }

    /// <summary>@setDataFrame("onMetaData", {...}) as an encoder sends it, so the platform keeps it for its players.</summary>
    private int WriteMetadata(PipeWriter output, IReadOnlyDictionary<string, object?> metadata)
    {
        var client = _client!;
        _scratch.ResetWrittenCount();
        Amf0Writer.WriteString(_scratch, CommandNames.SetDataFrame);
        Amf0Writer.WriteString(_scratch, CommandNames.OnMetaData);
        Amf0Writer.WriteValue(_scratch, metadata);
        var timestamp = _media.Timestamp;
        ChunkWriter.WriteMessage(output, RtmpPublishClient.DataChunkStreamId, timestamp, RtmpMessageType.Amf0Data, client.StreamId,
            _scratch.WrittenSpan, client.OutChunkSize);
        var body = _scratch.WrittenCount;
        var continuations = (body - 1) / client.OutChunkSize;
        return body + 12 + continuations + (timestamp >= 0xFFFFFF ? 4 + 4 * continuations : 0);
    }

    /// <summary>FCUnpublish and deleteStream, best effort: the platform ends the stream; closing would do it too.</summary>
    private async Task UnpublishAsync()
    {
        if (_client is not { State: RtmpPublishClientState.Publishing } client)
        {
            return;
        }
        using var timeout = new CancellationTokenSource(UnpublishTimeout);
        try
        {
            await client.UnpublishAsync(timeout.Token);
        }
        catch (Exception ex) when (ex is RtmpClientException or IOException or OperationCanceledException or InvalidOperationException or ObjectDisposedException)
        {
            // The connection closes next anyway.
        }
    }

    private void SetState(TargetState state, string? error = null)
    {
        lock (_gate)
        {
            if (_state == state && error is null)
            {
                return;
            }
            // Logged under the gate, before the state is visible: whoever reads the new state (the API, a test) finds
            // its line already written, and two changes are logged in the order they were made.
            var name = state.ToString().ToLowerInvariant();
            if (error is null)
            {
                RestreamLog.StateChanged(_logger, _streamName, _target.Name, _target.Host, name);
            }
            else
            {
                RestreamLog.StateChangedWithError(_logger, _streamName, _target.Name, _target.Host, name, error);
            }
            _state = state;
            _since = _time.GetUtcNow();
            if (error is not null)
            {
                _lastError = error;
            }
        }
    }
}
