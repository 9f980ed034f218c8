using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using StreamHub.Diagnostics;
using StreamHub.Live;

namespace StreamHub.Playback.HttpFlv;

/// <summary>One HTTP-FLV player, for the life of its one response: reads its subscription, writes FLV tags straight
/// into the response's <see cref="PipeWriter"/> and flushes what was available in one go (up to
/// <see cref="BatchBytes"/>), so a player that keeps up is sent a frame as soon as the publisher hands it over and one
/// that is catching up (the GOP cache) is sent a batch per flush.
/// <para>How it ends: the publisher stops, and the response completes (the player reads to EOF); the player closes the
/// connection; the player stays behind until the stream removes its subscription, or takes nothing written to it for
/// <see cref="LiveOptions.PlayerWriteTimeoutSeconds"/>, and the connection is aborted (a cut stream, not a clean
/// end, so the player does not take it for the end of the broadcast).</para></summary>
internal sealed class HttpFlvPlayer
{
    /// <summary>Bytes written before a flush when more is queued: a GOP cache goes out in a few writes, not one per frame
    /// and not in one buffer the size of the GOP.</summary>
    public const int BatchBytes = 64 * 1024;

    private readonly HttpContext _context;
    private readonly PlayerSession _session;
    private readonly TrafficCounters _traffic;
    private readonly TimeSpan _writeTimeout;
    private readonly LiveFlvWriter _flv = new();
    private volatile bool _timedOut;
    private volatile bool _finished;

    public HttpFlvPlayer(HttpContext context, PlayerSession session, TrafficCounters traffic, TimeSpan writeTimeout)
    {
        _context = context;
        _session = session;
        _traffic = traffic;
        _writeTimeout = writeTimeout;
    }

    public async Task RunAsync()
    {
        var output = _context.Response.BodyWriter;
        var subscription = _session.Subscription;
        using var writeDeadline = CancellationTokenSource.CreateLinkedTokenSource(_context.RequestAborted);
        // A subscription's wait takes no token: ending it (as the stream does) wakes a reader waiting on a stream that
        // sends nothing, so a player that leaves, or whose write times out, does not stay joined until the next frame.
        // Complete, unlike Dispose, is safe beside a read in progress; the loop disposes once it has stopped reading.
        using var wake = writeDeadline.Token.UnsafeRegister(static state => ((HttpFlvPlayer)state!).WriteCancelled(), this);
        // The stream removes a player that stays behind, but a player that reads slowly is mostly inside a flush, which
        // only its socket ends: it would stay connected, its socket buffers draining at its pace, long after. The
        // subscription says when it is removed (as for RTMP players), and the connection is cut off then.
        subscription.OnFellBehind(AbortRemoved);
        var (hasAudio, hasVideo) = LiveFlvWriter.TracksOf(_session.Stream);
        long pending = LiveFlvWriter.WriteHeader(output, hasAudio, hasVideo);
        try
        {
            // The header goes out at once: the player has its response and starts its demuxer before the first frame.
            if (!await FlushAsync(output, pending, writeDeadline))
            {
                return;
            }
            while (await subscription.WaitToReadAsync())
            {
                pending = 0;
                while (pending < BatchBytes && subscription.TryRead(out var item))
                {
                    pending += _flv.Write(output, item);
                }
                if (pending > 0 && !await FlushAsync(output, pending, writeDeadline))
                {
                    return;
                }
            }
        }
        catch (OperationCanceledException) when (writeDeadline.IsCancellationRequested)
        {
            // The player left or its write timed out; which, is decided below.
        }
        catch (IOException)
        {
            // The connection broke under a flush (reset by the player).
        }
        finally
        {
            Finish(writeDeadline);
        }
    }

    /// <summary>The stream removed this player (on the publisher's thread, which must not wait on the connection):
    /// the abort runs on the thread pool, unless the response is already over.</summary>
    private void AbortRemoved()
    {
        if (!_finished)
        {
            ThreadPool.UnsafeQueueUserWorkItem(static player =>
            {
                if (!player._finished)
                {
                    player._context.Abort();
                }
            }, this, preferLocal: false);
        }
    }

    /// <summary>The player left, or a flush timed out: which is known only now (Kestrel aborts the request when a
    /// flush is cancelled, so later both look alike).</summary>
    private void WriteCancelled()
    {
        _timedOut = !_context.RequestAborted.IsCancellationRequested;
        _session.Subscription.Leave();
    }

    /// <summary>Flushes, bounded by the write timeout; false when the player is gone. Pooled: a flush that waits on the
    /// socket allocates no state machine box.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<bool> FlushAsync(PipeWriter output, long bytes, CancellationTokenSource writeDeadline)
    {
        writeDeadline.CancelAfter(_writeTimeout);
        var result = await output.FlushAsync(writeDeadline.Token);
        writeDeadline.CancelAfter(Timeout.InfiniteTimeSpan);
        if (result.IsCanceled || result.IsCompleted)
        {
            return false;
        }
        _session.AddBytesSent(bytes);
        _traffic.Sent(bytes);
        return true;
    }

    private void Finish(CancellationTokenSource writeDeadline)
    {
        var end = _session.Subscription.End;
        _finished = true;
        if (end == SubscriptionEnd.PublishEnded && !writeDeadline.IsCancellationRequested)
        {
            // The response ends normally: the last chunk tells the player the stream is over.
            return;
        }
        if (end == SubscriptionEnd.FellBehind)
        {
            _context.Abort();
        }
        else if (_timedOut)
        {
            _session.SetLeaveReason($"it took nothing written to it for {_writeTimeout.TotalSeconds:0} s (StreamHub:Live:PlayerWriteTimeoutSeconds)");
            _context.Abort();
        }
        else
        {
            _session.SetLeaveReason("the player closed the connection");
        }
    }
}
