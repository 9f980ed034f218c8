using System.Runtime.InteropServices;
using System.Threading.Tasks.Sources;
using StreamHub.Media;

namespace StreamHub.Live;

/// <summary>One consumer's place on a live stream: a bounded single-producer single-consumer ring of frames, filled
/// on the publisher's thread (<see cref="LiveStream.Write"/>) and read at the consumer's own pace. Frames are shared by
/// reference count, never copied. When the ring would exceed its bounds (frames, bytes, media time) the subscription
/// drops whole frames up to the next video keyframe and counts them; one that keeps dropping past
/// <see cref="LiveOptions.SubscriberMaxBehindSeconds"/> is removed.
/// <para>One reader: <see cref="WaitToReadAsync"/> and <see cref="TryRead"/> from one logical thread, then
/// <see cref="Dispose"/> (which releases whatever is still queued). A reader may instead be called when there is
/// something to read (<see cref="ReadOnWake"/>, <see cref="TryPark"/>).</para></summary>
public sealed class LiveSubscription : IDisposable, IValueTaskSource<bool>, IThreadPoolWorkItem
{
    /// <summary>What the reader writes and the producer reads, on a cache line of its own: the producer's checks
    /// read it once per frame, and would otherwise miss on a line the producer's own writes keep taking back.</summary>
    [StructLayout(LayoutKind.Explicit, Size = 192)]
    private struct ReaderPosition
    {
        /// <summary>Index of the next entry to read.</summary>
        [FieldOffset(64)]
        public long Head;

        /// <summary>Payload bytes of the frames taken (read or drained) so far.</summary>
        [FieldOffset(72)]
        public long TakenBytes;
    }

    // Starts small and doubles, up to the configured bound, as the queue grows: a player that keeps up (most do)
    // holds 1 KiB of ring, not the 32 KiB the default bound needs. Only the producer replaces it; the reader reads
    // the reference after it reads _tail, so it sees an array holding every entry up to that tail. Each entry's place
    // in media time (see Push) is beside it, on the same line, which the producer writes once per push; only the
    // producer reads it. The reader only
    // reads the ring: it leaves what it took in its slot (a frame it has released, which nothing reads again: only
    // [head, tail) is read, copied or drained) until the producer writes over it, so the lines the producer writes
    // next are not ones the reader's core has just written. What that keeps alive is at most a ring of empty frames
    // (their payloads went back to the pool at their last release) and metadata already sent.
    private RingEntry[] _ring;
    private readonly int _maxRingSize;
    private const int InitialRingSize = 64;
    private readonly int _capacity;
    private readonly long _maxBytes;
    private readonly long _maxMediaMs;
    private readonly long _maxBehindMs;
    private readonly long _audioHoldMs;
    private readonly LiveStream? _stream;
    private readonly Lock _drainGate = new();

    // Producer-owned (publisher's thread). _written counts what was pushed; _tail is what the reader may see, published
    // with a release write once the slots are written.
    private long _written;
    private long _pushedBytes;
    private long _tail;
    private long _lastDts;
    private bool _dropping;
    private bool _awaitingKeyframe;
    private bool _audioAwaitsKeyframe;
    private bool _headersStale;
    private long _dropStartDts;
    private long _droppedFrames;
    private long _droppedBytes;

    // The reader's position as the producer last read it: never ahead of the real one, so a queue that fits by it
    // fits. The producer reads the reader's line again only when it does not (or the ring would grow): for a reader
    // that keeps up, every few seconds rather than once a frame, each a miss on a line the reader's core holds.
    private long _knownHead;
    private long _knownTaken;
    private long _knownDtsIndex = -1;
    private long _knownDts;

    // DTS of the first audio frame queued since the reader was last woken, or MinValue: audio of a stream with video
    // does not wake the reader on its own (see Enqueue).
    private long _audioHeldSince = long.MinValue;

    // Consumer-owned, published with plain release writes (one reader, one writer) for the producer's bound checks.
    private ReaderPosition _reader;

    private int _end;
    private int _disposed;
    private int _waiting;
    private long _wakeUps;
    private ManualResetValueTaskSourceCore<bool> _waiter;
    private ILiveReader? _onWake;
    private int _onWakeBytes;
    private Action? _fellBehind;

    internal LiveSubscription(LiveStream? stream, SubscriptionOptions options, LiveOptions limits)
    {
        _stream = stream;
        Name = options.Name;
        _capacity = limits.SubscriberQueueMaxFrames;
        var size = (int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)_capacity);
        _maxRingSize = size;
        _ring = new RingEntry[Math.Min(size, InitialRingSize)];
        _maxBytes = limits.SubscriberQueueMaxBytes;
        _maxMediaMs = (long)(limits.SubscriberQueueMaxSeconds * 1000);
        _maxBehindMs = (long)(limits.SubscriberMaxBehindSeconds * 1000);
        _audioHoldMs = limits.SubscriberAudioHoldMilliseconds;
        _waiter.RunContinuationsAsynchronously = false;
    }

    public string Name { get; }

    /// <summary>Times the waiting reader was woken (a work item queued for it).</summary>
    internal long WakeUps => Interlocked.Read(ref _wakeUps);

    /// <summary>Frames dropped because this subscriber was behind (whole frames, up to the next keyframe).</summary>
    public long DroppedFrames => Volatile.Read(ref _droppedFrames);

    /// <summary>Payload bytes of those frames.</summary>
    public long DroppedBytes => Volatile.Read(ref _droppedBytes);

    /// <summary>Payload bytes queued now.</summary>
    public long QueuedBytes
    {
        get
        {
            // Taken first: what was pushed by then is at least that.
            var taken = Volatile.Read(ref _reader.TakenBytes);
            return Volatile.Read(ref _pushedBytes) - taken;
        }
    }

    /// <summary>Entries queued now.</summary>
    public int QueuedItems
    {
        get
        {
            var head = Volatile.Read(ref _reader.Head);
            return (int)(Volatile.Read(ref _tail) - head);
        }
    }

    /// <summary>Why the subscription ended, or <see cref="SubscriptionEnd.None"/> while it is live.</summary>
    public SubscriptionEnd End => (SubscriptionEnd)Volatile.Read(ref _end);

    /// <summary>Set by the publisher's thread once the subscription has been handed the stream's start (headers,
    /// metadata, GOP cache); only the publisher's thread reads or writes it.</summary>
    internal bool Primed;

    private int _primingClaimed;

    /// <summary>Exactly one of the publisher (priming it) and Unsubscribe (before it was primed) wins this, so the
    /// stream's count of subscriptions waiting to be primed is decremented once.</summary>
    internal bool ClaimPriming() => Interlocked.CompareExchange(ref _primingClaimed, 1, 0) == 0;

    /// <summary>Takes the next entry; a frame taken is the caller's to release. False when the queue is empty, and
    /// at once when the subscription was removed (behind) or disposed.</summary>
    public bool TryRead(out LiveItem item)
    {
        var head = _reader.Head;
        if (head == Volatile.Read(ref _tail) || Volatile.Read(ref _end) > (int)SubscriptionEnd.PublishEnded)
        {
            item = default;
            return false;
        }
        var ring = Volatile.Read(ref _ring);
        var value = ring[head & (ring.Length - 1)].Value!;
        if (value is MediaFrame frame)
        {
            // Only this reader writes it: a release write, no atomic add, and the bytes before the head that frees them.
            Volatile.Write(ref _reader.TakenBytes, _reader.TakenBytes + frame.Payload.Length);
        }
        Volatile.Write(ref _reader.Head, head + 1);
        item = new LiveItem(value);
        return true;
    }

    /// <summary>Completes with true when there is something to read, false when the subscription has ended and
    /// nothing is left for the reader. Allocates nothing. <see cref="Dispose"/> ends a pending wait.</summary>
    public ValueTask<bool> WaitToReadAsync()
    {
        // Reset before parking: a waker may complete the wait as soon as it is announced.
        _waiter.Reset();
        return TryPark(out var ended) ? new ValueTask<bool>(this, _waiter.Version) : new ValueTask<bool>(!ended);
    }

    /// <summary>Makes <paramref name="reader"/> the reader, called when there is something to read once it has parked
    /// (<see cref="TryPark"/>), instead of completing <see cref="WaitToReadAsync"/>. Set before the first park.</summary>
    public void ReadOnWake(ILiveReader reader)
    {
        _onWakeBytes = CacheLines.InstanceBytes(reader.GetType());
        _onWake = reader;
    }

    /// <summary>The wait of a reader set by <see cref="ReadOnWake"/>: true when it is now parked (its
    /// <see cref="ILiveReader.OnReadable"/> is called when there is something to read, and the reader must return),
    /// false when it should read now, or, with <paramref name="ended"/>, end: the subscription has ended and nothing
    /// is left for it (as <see cref="WaitToReadAsync"/> completing with false).</summary>
    public bool TryPark(out bool ended)
    {
        if (HasSomethingForReader(out var result))
        {
            ended = !result;
            return false;
        }
        Interlocked.Exchange(ref _waiting, 1);
        // Re-check after announcing the wait: the producer publishes, fences, then looks at _waiting (Dekker). A waker
        // that took the flag first resumes the reader.
        if (HasSomethingForReader(out result) && Interlocked.Exchange(ref _waiting, 0) == 1)
        {
            ended = !result;
            return false;
        }
        ended = false;
        return true;
    }

    private bool HasSomethingForReader(out bool result)
    {
        var end = Volatile.Read(ref _end);
        if (end > (int)SubscriptionEnd.PublishEnded)
        {
            result = false;
            return true;
        }
        if (Volatile.Read(ref _reader.Head) != Volatile.Read(ref _tail))
        {
            result = true;
            return true;
        }
        result = false;
        return end != (int)SubscriptionEnd.None;
    }

    /// <summary>Asks the reader to stop, from any thread: the publisher stops feeding the subscription, the reader's
    /// wait completes with false and <see cref="TryRead"/> returns nothing more; the reader then disposes it, which
    /// releases what is still queued.</summary>
    public void Leave()
    {
        _stream?.Unsubscribe(this);
        Complete(SubscriptionEnd.Unsubscribed);
    }

    /// <summary>Leaves the stream (the publisher stops feeding it) and releases every frame still queued.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        _stream?.Unsubscribe(this);
        Interlocked.CompareExchange(ref _end, (int)SubscriptionEnd.Unsubscribed, (int)SubscriptionEnd.None);
        Drain();
        Wake();
    }

    // ---- publisher's thread ----

    /// <summary>Hands a late joiner the stream's start: sequence headers, onMetaData, then the GOP cache. A joiner
    /// without a GOP (none cached yet) skips video up to the next keyframe, and audio with it when the stream has video.</summary>
    internal void Prime(MediaFrame? videoHeader, MediaFrame? audioHeader, IReadOnlyDictionary<string, object?> metadata,
        GopCache gop, long lastDts)
    {
        Primed = true;
        _lastDts = lastDts;
        if (metadata.Count > 0)
        {
            Push(metadata, lastDts);
        }
        if (videoHeader is not null)
        {
            Push(videoHeader.Retain(), lastDts);
        }
        if (audioHeader is not null)
        {
            Push(audioHeader.Retain(), lastDts);
        }
        _awaitingKeyframe = !gop.StartsWithKeyframe;
        // A stream with video: audio waits for the keyframe too, so a player's audio and video start together rather
        // than up to a GOP of sound over no picture.
        _audioAwaitsKeyframe = _awaitingKeyframe && videoHeader is not null;
        for (var i = 0; i < gop.Count; i++)
        {
            var frame = gop[i];
            Push(frame.Retain(), frame.Dts);
        }
        Publish();
    }

    internal void OfferMetadata(IReadOnlyDictionary<string, object?> metadata)
    {
        if (_dropping || _written - Volatile.Read(ref _reader.Head) >= _capacity)
        {
            _headersStale = true;
            return;
        }
        Push(metadata, _lastDts);
        Publish();
    }

    /// <summary>Queues <paramref name="frame"/> or drops it; false when the subscriber has been behind too long and
    /// must be removed. The caller lends a reference to the frame, taken beforehand for every subscription at once
    /// (<see cref="MediaFrame.Retain(int)"/>): <paramref name="queued"/> says whether this one kept it; the caller
    /// releases the ones not kept.</summary>
    internal bool Offer(MediaFrame frame, bool syncPoint, out bool queued)
    {
        queued = false;
        if (frame.FrameKind != MediaFrameKind.Coded)
        {
            if (_dropping || _written - Volatile.Read(ref _reader.Head) >= _capacity)
            {
                _headersStale = true;
                return true;
            }
            queued = true;
            Enqueue(frame);
            return true;
        }
        if (_dropping)
        {
            if (syncPoint && Fits(frame, 4))
            {
                _dropping = false;
                if (_headersStale)
                {
                    RepeatStart();
                }
                queued = true;
                Enqueue(frame);
                return true;
            }
            CountDrop(frame);
            return frame.Dts - _dropStartDts <= _maxBehindMs;
        }
        if (_awaitingKeyframe)
        {
            if (frame.Kind == MediaKind.Video)
            {
                if (!frame.IsKeyframe)
                {
                    return true;
                }
                _awaitingKeyframe = false;
            }
            else if (_audioAwaitsKeyframe)
            {
                return true;
            }
        }
        if (!Fits(frame, 0))
        {
            _dropping = true;
            _dropStartDts = frame.Dts;
            CountDrop(frame);
            return true;
        }
        queued = true;
        Enqueue(frame);
        return true;
    }

    /// <summary>Headers or metadata changed while this subscriber was dropping: hand it the current ones again
    /// before the keyframe it resumes at.</summary>
    private void RepeatStart()
    {
        _headersStale = false;
        if (_stream is null)
        {
            return;
        }
        if (_stream.Metadata.Count > 0)
        {
            Push(_stream.Metadata, _lastDts);
        }
        if (_stream.VideoSequenceHeader is { } video)
        {
            Push(video.Retain(), _lastDts);
        }
        if (_stream.AudioSequenceHeader is { } audio)
        {
            Push(audio.Retain(), _lastDts);
        }
    }

    private bool Fits(MediaFrame frame, int spareSlots)
    {
        if (FitsAfter(frame, spareSlots, _knownHead, _knownTaken))
        {
            return true;
        }
        // The bytes taken before the head: the head read second covers them (the reader writes them in that order).
        _knownTaken = Volatile.Read(ref _reader.TakenBytes);
        _knownHead = Volatile.Read(ref _reader.Head);
        return FitsAfter(frame, spareSlots, _knownHead, _knownTaken);
    }

    /// <summary>Whether <paramref name="frame"/> fits with the reader at <paramref name="head"/>, having taken
    /// <paramref name="taken"/> bytes: the real position or one behind it, which makes the queue look longer.</summary>
    private bool FitsAfter(MediaFrame frame, int spareSlots, long head, long taken)
    {
        var count = _written - head;
        if (count + 1 + spareSlots > _capacity || _pushedBytes - taken + frame.Payload.Length > _maxBytes)
        {
            return false;
        }
        return count == 0 || frame.Dts - DtsAt(head) <= _maxMediaMs;
    }

    /// <summary>The queue position of the entry at <paramref name="index"/> (at or after the reader's head, before
    /// what was pushed), read from the ring once for each head the producer knows: an entry's position never changes,
    /// and the line it is on is seldom still in the publisher's cache a frame later.</summary>
    private long DtsAt(long index)
    {
        if (index != _knownDtsIndex)
        {
            // Fewer than the ring's length are pushed since index, so the producer has not written over its Dts.
            _knownDts = _ring[index & (_ring.Length - 1)].Dts;
            _knownDtsIndex = index;
        }
        return _knownDts;
    }

    private void CountDrop(MediaFrame frame)
    {
        Volatile.Write(ref _droppedFrames, _droppedFrames + 1);
        Volatile.Write(ref _droppedBytes, _droppedBytes + frame.Payload.Length);
    }

    /// <summary>Queues <paramref name="frame"/> with the reference the caller lent (see <see cref="Offer"/>).</summary>
    private void Enqueue(MediaFrame frame)
    {
        Push(frame, frame.Dts);
        _lastDts = frame.Dts;
        Publish(wake: !HoldsAudio(frame));
    }

    /// <summary>Whether <paramref name="frame"/> is audio that is queued without waking the reader: in a stream with
    /// video it goes out with the next video frame (at 30 fps within 33 ms), in the same write, rather than in a write
    /// and a wake-up of its own. A wake-up and a write per player cost about as much as the bytes they carry, and audio
    /// comes about as often as video; players buffer audio, and the latency that counts is the picture's. Held no
    /// longer than <see cref="LiveOptions.SubscriberAudioHoldMilliseconds"/> of media time: when video pauses, the
    /// audio frame that reaches that wakes the reader.</summary>
    private bool HoldsAudio(MediaFrame frame)
    {
        if (_audioHoldMs <= 0 || frame.Kind != MediaKind.Audio || frame.FrameKind != MediaFrameKind.Coded || _stream?.VideoSequenceHeader is null)
        {
            return false;
        }
        if (_audioHeldSince == long.MinValue)
        {
            _audioHeldSince = frame.Dts;
            return true;
        }
        return frame.Dts - _audioHeldSince < _audioHoldMs;
    }

    /// <summary><paramref name="dts"/> is where the entry stands in the queue's media time, which bounds the queue
    /// (<see cref="Fits"/>): sequence headers handed over again go in at the current time, not at the time they were
    /// first sent (the frame keeps that), or a late joiner's queue would look as long as the stream and drop.</summary>
    private void Push(object value, long dts)
    {
        if (_written - _knownHead >= _ring.Length && _ring.Length < _maxRingSize
            && _written - (_knownHead = Volatile.Read(ref _reader.Head)) >= _ring.Length)
        {
            Grow();
        }
        ref var entry = ref _ring[_written & (_ring.Length - 1)];
        entry.Dts = dts;
        entry.Value = value;
        if (value is MediaFrame frame)
        {
            Volatile.Write(ref _pushedBytes, _pushedBytes + frame.Payload.Length);
        }
        _written++;
    }

    /// <summary>Publisher's thread: doubles the ring, copying the unread entries to their places in the new one. The
    /// reader may meanwhile take the entry at its head from the old array; the copy may then hold a stale reference
    /// to it, outside [head, tail), which is never read or released and is overwritten in time.</summary>
    private void Grow()
    {
        var old = _ring;
        var next = new RingEntry[old.Length * 2];
        // Only the entries from the reader's head on are copied: the known head moves there, so the bound check never
        // reads a Dts the new ring does not hold.
        _knownHead = Volatile.Read(ref _reader.Head);
        for (var index = _knownHead; index < _written; index++)
        {
            next[index & (next.Length - 1)] = old[index & (old.Length - 1)];
        }
        Volatile.Write(ref _ring, next);
    }

    /// <summary>Makes what was pushed visible to the reader, wakes it if it waits (unless <paramref name="wake"/> is
    /// false: held audio, which a reader that is already awake takes all the same), and releases the entries itself
    /// when the reader has already gone (Dispose raced this frame).</summary>
    private void Publish(bool wake = true)
    {
        Volatile.Write(ref _tail, _written);
        Interlocked.MemoryBarrier();
        if (Volatile.Read(ref _disposed) != 0)
        {
            Drain();
            return;
        }
        if (wake)
        {
            _audioHeldSince = long.MinValue;
            if (_stream is null)
            {
                Wake();
            }
            else if (Volatile.Read(ref _waiting) == 1 && Interlocked.Exchange(ref _waiting, 0) == 1)
            {
                // Woken with the other readers of this frame once the publisher has offered it to every one.
                Interlocked.Increment(ref _wakeUps);
                _stream.Wakes.Add(this);
            }
        }
    }

    internal void Complete(SubscriptionEnd reason)
    {
        var ended = Interlocked.CompareExchange(ref _end, (int)reason, (int)SubscriptionEnd.None) == (int)SubscriptionEnd.None;
        Interlocked.MemoryBarrier();
        Wake();
        if (ended && reason == SubscriptionEnd.FellBehind)
        {
            Interlocked.Exchange(ref _fellBehind, null)?.Invoke();
        }
    }

    /// <summary>Runs <paramref name="callback"/> once when the subscription is removed for falling behind, on the
    /// publisher's thread (it must be quick and must not block), or at once if it already was. A reader blocked in a
    /// write to a peer that stopped reading never comes back to <see cref="WaitToReadAsync"/> to see the end: this is
    /// how it is told, so the connection goes at the removal rather than at the write timeout.</summary>
    public void OnFellBehind(Action callback)
    {
        Volatile.Write(ref _fellBehind, callback);
        if (End == SubscriptionEnd.FellBehind)
        {
            Interlocked.Exchange(ref _fellBehind, null)?.Invoke();
        }
    }

    private void Wake()
    {
        if (Volatile.Read(ref _waiting) == 1 && Interlocked.Exchange(ref _waiting, 0) == 1)
        {
            // The reader's continuation runs on the thread pool, never on the publisher's thread. The subscription is
            // its own work item: no allocation per wake-up.
            Interlocked.Increment(ref _wakeUps);
            ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
        }
    }

    void IThreadPoolWorkItem.Execute() => Resume();

    /// <summary>Completes the reader's wait, whose wake-up this caller won (or calls the reader set by
    /// <see cref="ReadOnWake"/>); the reader runs here, on this thread, until it waits again.</summary>
    internal void Resume()
    {
        if (_onWake is { } reader)
        {
            reader.OnReadable();
            return;
        }
        HasSomethingForReader(out var result);
        _waiter.SetResult(result || Volatile.Read(ref _end) == (int)SubscriptionEnd.None);
    }

    /// <summary>How far an instance extends in memory (<see cref="CacheLines"/>).</summary>
    private static readonly int s_bytes = CacheLines.InstanceBytes(typeof(LiveSubscription));

    /// <summary>Asks for what <paramref name="subscription"/>'s reader (<see cref="ReadOnWake"/>) reads when it is
    /// resumed, <paramref name="depth"/> references away: 0 the subscription, 1 the reader and the ring, 2 the entries
    /// at the ring's head, deeper the reader's objects (<see cref="ILiveReader.Prefetch"/>). Each depth reads what the
    /// one before asked for, so the depths are asked for in order, a step apart: from the thread that resumes the
    /// readers (<see cref="SubscriberWakes"/>), a few readers ahead. Reads only.</summary>
    internal static void PrefetchForReader(LiveSubscription subscription, int depth)
    {
        if (depth == 0)
        {
            CacheLines.Prefetch(subscription, s_bytes);
            return;
        }
        var reader = subscription._onWake;
        if (depth == 1)
        {
            CacheLines.Prefetch(reader, subscription._onWakeBytes);
            CacheLines.Prefetch(subscription._ring, RingHeaderBytes);
            return;
        }
        if (depth == 2)
        {
            subscription.PrefetchEntry(subscription._reader.Head);
            subscription.PrefetchEntry(subscription._reader.Head + 1);
        }
        reader?.Prefetch(depth - 1);
    }

    /// <summary>Asks for what <see cref="Offer"/> reads and writes, <paramref name="depth"/> references away: 0 the
    /// subscription, 1 its ring, 2 the ring entry the next frame goes into; in order, a step apart, as
    /// <see cref="PrefetchForReader"/>. From the publisher's thread, a few subscriptions ahead.</summary>
    internal static void PrefetchForOffer(LiveSubscription subscription, int depth)
    {
        switch (depth)
        {
            case 0:
                CacheLines.Prefetch(subscription, s_bytes);
                break;
            case 1:
                CacheLines.Prefetch(subscription._ring, RingHeaderBytes);
                break;
            default:
                subscription.PrefetchEntry(subscription._written);
                break;
        }
    }

    /// <summary>An array's type pointer and length, which the ring's mask reads.</summary>
    private const int RingHeaderBytes = 16;

    private void PrefetchEntry(long index)
    {
        var ring = _ring;
        CacheLines.Prefetch(ref ring[(int)(index & (ring.Length - 1))]);
    }

    /// <summary>Releases every queued entry; after Dispose only, from the consumer or the producer, one at a time.</summary>
    private void Drain()
    {
        lock (_drainGate)
        {
            var tail = Volatile.Read(ref _tail);
            for (var head = Volatile.Read(ref _reader.Head); head < tail; head++)
            {
                var ring = Volatile.Read(ref _ring);
                ref var slot = ref ring[head & (ring.Length - 1)].Value;
                if (slot is MediaFrame frame)
                {
                    Volatile.Write(ref _reader.TakenBytes, _reader.TakenBytes + frame.Payload.Length);
                    frame.Release();
                }
                slot = null;
            }
            Volatile.Write(ref _reader.Head, tail);
        }
    }

    /// <summary>One place in the ring: a frame or onMetaData, and where it stands in the queue's media time.</summary>
    private struct RingEntry
    {
        public object? Value;
        public long Dts;
    }

    bool IValueTaskSource<bool>.GetResult(short token) => _waiter.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource<bool>.GetStatus(short token) => _waiter.GetStatus(token);

    void IValueTaskSource<bool>.OnCompleted(Action<object?> continuation, object? state, short token,
        ValueTaskSourceOnCompletedFlags flags) => _waiter.OnCompleted(continuation, state, token, flags);
}
