using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Threading.Tasks.Sources;
using StreamHub.Media;

namespace StreamHub.Hosting;

/// <summary>The output of a plain RTMP connection on the RTMP port, written straight to its socket instead of through
/// Kestrel's output pipe. What the session writes is kept as a list of buffers until it flushes, and a flush is one
/// gathered send (sendmsg) of that list, in the order written: control messages and commands in small pooled arrays,
/// media frames as the chunks every player of the same chunk size shares (<see cref="Write(ReadOnlyMemory{byte}, MediaFrame)"/>),
/// by reference. A player is so sent its frames without a copy into a pipe of its own, and without the hand-off to
/// Kestrel's send loop (a thread wake-up per player per batch). The pipe's reader side is never written to; reads
/// still come through Kestrel.
/// <para>One writer at a time, as for any <see cref="PipeWriter"/> (the session's output gate sees to it once a play
/// loop writes too). A flush completes when the kernel has taken every byte; while it waits (the peer's window is full)
/// the frames and arrays stay held, and are let go when the send completes or fails. A send that fails, or a connection
/// that is shut, makes every later flush report the output completed, as a pipe whose reader has gone does.</para>
/// <para>Nothing is allocated per flush while at most a few buffers are queued; a pending send is one operation object
/// of the runtime's.</para>
/// <para>On Linux the first, non-blocking send of a flush is a direct sendmsg (<see cref="GatheredSend"/>) when every
/// queued buffer is pinned memory: the blocks here come from <see cref="PinnedBufferPool"/>, as do frames' shared
/// encodings. Anything else (a frame's bytes that are not its encoding) takes the runtime's send. When the flush is
/// made while the thread resumes a stream's players (<see cref="SendRing.Current"/>), that first send is queued with
/// the other players' and made when the ring is submitted; the flush completes then (<see cref="CompleteRingSend"/>).</para></summary>
public sealed class RtmpSocketOutput : PipeWriter, IValueTaskSource<FlushResult>
{
    /// <summary>Size of the pooled arrays that hold control messages, commands and frames encoded for this peer alone.</summary>
    private const int BlockSize = 4096;

    private readonly Socket _socket;
    private readonly SafeHandle? _handle;
    private readonly int _handleBytes;
    private readonly Send _send;
    private readonly List<ArraySegment<byte>> _buffers = new(16);
    private readonly List<MediaFrame> _frames = new(16);
    private readonly List<byte[]> _blocks = new(2);
    private byte[]? _block;
    private int _blockStart;
    private int _blockEnd;
    private long _unflushed;
    private int _unpinned;
    private long _directSends;
    private long _ringSends;
    private long _ringBytes;

    private ManualResetValueTaskSourceCore<FlushResult> _flush = new() { RunContinuationsAsynchronously = true };
    private volatile bool _cancelRequested;
    private volatile bool _sending;
    private volatile bool _broken;
    private bool _completed;

    public RtmpSocketOutput(Socket socket)
    {
        _socket = socket;
        // Sends from FlushAsync must never block a thread-pool thread on a full socket: they fail with WouldBlock
        // instead, and the rest is sent asynchronously. Reads are asynchronous whatever this says.
        _socket.Blocking = false;
        _send = new Send(this);
        _handle = GatheredSend.IsSupported ? socket.SafeHandle : null;
        _handleBytes = _handle is null ? 0 : CacheLines.InstanceBytes(_handle.GetType());
    }

    private static readonly int s_bufferListBytes = CacheLines.InstanceBytes(typeof(List<ArraySegment<byte>>));
    private static readonly int s_frameListBytes = CacheLines.InstanceBytes(typeof(List<MediaFrame>));
    private static readonly int s_blockListBytes = CacheLines.InstanceBytes(typeof(List<byte[]>));

    /// <summary>Asks for what the next writes and flush read besides this output (<see cref="CacheLines"/>), at depth 1
    /// its lists and the socket's handle. Reads only, from any thread.</summary>
    internal void Prefetch(int depth)
    {
        if (depth == 1)
        {
            CacheLines.Prefetch(_buffers, s_bufferListBytes);
            CacheLines.Prefetch(_frames, s_frameListBytes);
            CacheLines.Prefetch(_blocks, s_blockListBytes);
            CacheLines.Prefetch(_handle, _handleBytes);
        }
    }

    /// <summary>The session whose loop a completed ring send resumes, asked for ahead by <see cref="SendRing"/>.</summary>
    internal IRingSendOwner? Owner { get; set; }

    /// <summary>The extent of <see cref="Owner"/>'s object, for <see cref="CacheLines.Prefetch(object?, int)"/>.</summary>
    internal int OwnerBytes { get; set; }

    /// <summary>Flushes whose first send went straight to sendmsg rather than through the runtime's socket.</summary>
    internal long DirectSends => _directSends;

    /// <summary>Flushes whose first send went to the kernel in a <see cref="SendRing"/> submission with other players'.</summary>
    internal long RingSends => _ringSends;

    /// <summary>Buffers one send takes at most: a writer that has queued this many flushes before it writes more
    /// (the kernel takes at most IOV_MAX, 1024 on Linux, in one sendmsg).</summary>
    public const int MaxQueuedBuffers = 256;

    /// <summary>Buffers queued for the next flush.</summary>
    public int QueuedBuffers => _buffers.Count;

    /// <summary>Bytes written since the last flush.</summary>
    public override bool CanGetUnflushedBytes => true;

    public override long UnflushedBytes => _unflushed;

    /// <summary>Queues <paramref name="shared"/>, bytes owned by <paramref name="frame"/> (its shared encoding), by
    /// reference: the frame is retained until the flush that sends them has completed.</summary>
    public void Write(ReadOnlyMemory<byte> shared, MediaFrame frame) => WriteTaking(shared, frame.Retain());

    /// <summary>As <see cref="Write(ReadOnlyMemory{byte}, MediaFrame)"/>, but takes over the caller's reference to
    /// <paramref name="frame"/> instead of taking one of its own: a player hands over the reference its queue gave it,
    /// and the frame's count, which every player of the stream changes, is changed once fewer each way.</summary>
    public void WriteTaking(ReadOnlyMemory<byte> shared, MediaFrame frame)
    {
        if (shared.IsEmpty || !MemoryMarshal.TryGetArray(shared, out var segment))
        {
            BuffersExtensions.Write(this, shared.Span);
            frame.Release();
            return;
        }
        SealBlock();
        _frames.Add(frame);
        _buffers.Add(segment);
        _unflushed += segment.Count;
        if (!frame.IsPinnedEncoding(segment.Array))
        {
            _unpinned++;
        }
    }

    public override void Advance(int bytes)
    {
        if (bytes < 0 || _block is null || _blockEnd + bytes > _block.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(bytes));
        }
        _blockEnd += bytes;
        _unflushed += bytes;
    }

    public override Memory<byte> GetMemory(int sizeHint = 0)
    {
        EnsureRoom(Math.Max(sizeHint, 1));
        return _block.AsMemory(_blockEnd);
    }

    public override Span<byte> GetSpan(int sizeHint = 0)
    {
        EnsureRoom(Math.Max(sizeHint, 1));
        return _block.AsSpan(_blockEnd);
    }

    private void EnsureRoom(int size)
    {
        if (_block is not null && _block.Length - _blockEnd >= size)
        {
            return;
        }
        SealBlock();
        _block = PinnedBufferPool.Shared.Rent(Math.Max(size, BlockSize));
        _blocks.Add(_block);
        _blockStart = _blockEnd = 0;
    }

    /// <summary>What was written into the current block since it was last sealed becomes the next buffer of the list
    /// (the block keeps taking writes after it).</summary>
    private void SealBlock()
    {
        if (_block is not null && _blockEnd > _blockStart)
        {
            _buffers.Add(new ArraySegment<byte>(_block, _blockStart, _blockEnd - _blockStart));
            _blockStart = _blockEnd;
        }
    }

    public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default)
    {
        if (_cancelRequested)
        {
            _cancelRequested = false;
            return new ValueTask<FlushResult>(new FlushResult(isCanceled: true, isCompleted: false));
        }
        SealBlock();
        if (_broken || _completed)
        {
            ReleaseQueued();
            return new ValueTask<FlushResult>(new FlushResult(isCanceled: false, isCompleted: true));
        }
        if (_buffers.Count == 0)
        {
            return new ValueTask<FlushResult>(new FlushResult(isCanceled: false, isCompleted: false));
        }
        var bytes = _unflushed;
        _unflushed = 0;
        // First a non-blocking gathered send on this thread: the kernel almost always takes the whole batch at once
        // (the player keeps up), and the send then costs one sendmsg and nothing else. Only what it could not take
        // (the socket's buffer is full) goes as an asynchronous send, which waits for the peer.
        int sent;
        SocketError error;
        try
        {
            if (_handle is not null && _unpinned == 0 && _buffers.Count <= GatheredSend.MaxBuffers)
            {
                if (SendRing.Current is { } ring)
                {
                    // With the other players' sends of this frame, in one submission (CompleteRingSend goes on).
                    _ringBytes = bytes;
                    _flush.Reset();
                    _sending = true;
                    if (ring.TryQueue(this, _handle, _buffers))
                    {
                        _ringSends++;
                        return new ValueTask<FlushResult>(this, _flush.Version);
                    }
                    _sending = false;
                }
                _directSends++;
                sent = GatheredSend.Send(_handle, _buffers, out error);
            }
            else
            {
                sent = _socket.Send(_buffers, SocketFlags.None, out error);
            }
        }
        catch (ObjectDisposedException)
        {
            return new ValueTask<FlushResult>(Finish(SocketError.Shutdown));
        }
        if (error == SocketError.Success && sent == bytes)
        {
            return new ValueTask<FlushResult>(Finish(SocketError.Success));
        }
        if (error is not (SocketError.Success or SocketError.WouldBlock))
        {
            return new ValueTask<FlushResult>(Finish(error));
        }
        SkipSent(sent);
        _send.BufferList = _buffers;
        _flush.Reset();
        _flush.RunContinuationsAsynchronously = true;
        _sending = true;
        bool pending;
        try
        {
            pending = _socket.SendAsync(_send);
        }
        catch (ObjectDisposedException)
        {
            _sending = false;
            return new ValueTask<FlushResult>(Finish(SocketError.Shutdown));
        }
        if (!pending)
        {
            return new ValueTask<FlushResult>(Sent());
        }
        if (_cancelRequested)
        {
            // Asked to stop while the peer takes nothing: the connection is ending; shutting the socket lets the send fail now.
            Shut();
        }
        return new ValueTask<FlushResult>(this, _flush.Version);
    }

    /// <summary>The send queued on a <see cref="SendRing"/> was made: <paramref name="sent"/> bytes taken, or the
    /// failure. Called on the thread that submitted the ring, as the direct send's result is on the flushing thread:
    /// the flush completes here, and its continuation (the player's loop) runs here too, unless the socket had no room
    /// for everything and the rest goes as an asynchronous send, whose completion comes from the socket's thread.</summary>
    internal void CompleteRingSend(int sent, SocketError error)
    {
        _flush.RunContinuationsAsynchronously = false;
        if (error == SocketError.Success && sent == _ringBytes)
        {
            _sending = false;
            _flush.SetResult(Finish(SocketError.Success));
            return;
        }
        if (error is not (SocketError.Success or SocketError.WouldBlock))
        {
            _sending = false;
            _flush.SetResult(Finish(error));
            return;
        }
        SkipSent(sent);
        _send.BufferList = _buffers;
        _flush.RunContinuationsAsynchronously = true;
        bool pending;
        try
        {
            pending = _socket.SendAsync(_send);
        }
        catch (ObjectDisposedException)
        {
            _sending = false;
            _flush.SetResult(Finish(SocketError.Shutdown));
            return;
        }
        if (!pending)
        {
            _flush.SetResult(Sent());
        }
        else if (_cancelRequested)
        {
            Shut();
        }
    }

    /// <summary>Takes the first <paramref name="sent"/> bytes, which the kernel has, off the front of the queued buffers.</summary>
    private void SkipSent(int sent)
    {
        var done = 0;
        while (sent > 0 && sent >= _buffers[done].Count)
        {
            sent -= _buffers[done].Count;
            done++;
        }
        _buffers.RemoveRange(0, done);
        if (sent > 0)
        {
            _buffers[0] = _buffers[0].Slice(sent);
        }
    }

    /// <summary>The asynchronous send is done (on the flushing thread, or on the socket's when it had to wait).</summary>
    private FlushResult Sent()
    {
        _sending = false;
        return Finish(_send.SocketError);
    }

    /// <summary>The flush is over: what it held is let go.</summary>
    private FlushResult Finish(SocketError error)
    {
        if (error != SocketError.Success)
        {
            _broken = true;
        }
        ReleaseQueued();
        if (_cancelRequested)
        {
            _cancelRequested = false;
            return new FlushResult(isCanceled: true, isCompleted: _broken);
        }
        return new FlushResult(isCanceled: false, isCompleted: _broken);
    }

    private void ReleaseQueued()
    {
        _buffers.Clear();
        foreach (var frame in _frames)
        {
            GatheredReleases.Release(frame);
        }
        _frames.Clear();
        foreach (var block in _blocks)
        {
            PinnedBufferPool.Shared.Return(block);
        }
        _blocks.Clear();
        _block = null;
        _blockStart = _blockEnd = 0;
        _unflushed = 0;
        _unpinned = 0;
    }

    /// <summary>The next flush (or the one waiting now) returns cancelled. A flush waiting on the peer is only ever
    /// cancelled as the connection ends (a timeout, a player dropped, the session closing), so the socket is shut to
    /// end the send rather than leave it holding frames.</summary>
    public override void CancelPendingFlush()
    {
        _cancelRequested = true;
        if (_sending)
        {
            Shut();
        }
    }

    private void Shut()
    {
        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
        }
    }

    /// <summary>Ends the output: what was not flushed is dropped (the session flushes what it means to send).</summary>
    public override void Complete(Exception? exception = null)
    {
        _completed = true;
        if (!_sending)
        {
            ReleaseQueued();
        }
    }

    FlushResult IValueTaskSource<FlushResult>.GetResult(short token) => _flush.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource<FlushResult>.GetStatus(short token) => _flush.GetStatus(token);

    void IValueTaskSource<FlushResult>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _flush.OnCompleted(continuation, state, token, flags);

    /// <summary>The one send operation, reused for every flush.</summary>
    private sealed class Send(RtmpSocketOutput output) : SocketAsyncEventArgs(unsafeSuppressExecutionContextFlow: true)
    {
        protected override void OnCompleted(SocketAsyncEventArgs e)
        {
            output._flush.SetResult(output.Sent());
        }
    }
}
