using StreamHub.Hosting;
using StreamHub.Media;

namespace StreamHub.Live;

/// <summary>The readers a frame woke, gathered on the publisher's thread while it hands the frame to every subscription
/// and woken together once it is done (<see cref="Dispatch"/>): a few thread-pool work items, one per core at most,
/// each resuming its share of the readers one after another, rather than one work item per reader. A reader resumed
/// here runs until it waits again (a player writes its frames and sends them; a send the peer cannot take yet goes on
/// asynchronously), so each costs its own work and no dispatch of its own: with hundreds of players on a stream the
/// thread pool's queueing, dequeueing and wake-ups per reader were a sizeable part of a player's cost.
/// <para><see cref="Add"/> and <see cref="Dispatch"/> on the publisher's thread only; wake-ups from other threads (a
/// subscription ending) are queued on their own (<see cref="LiveSubscription"/>).</para></summary>
internal sealed class SubscriberWakes
{
    /// <summary>Readers below which one work item resumes them all: splitting a few would cost more than it spreads.</summary>
    private const int MinReadersPerBatch = 16;

    /// <summary>Levels of a reader's objects asked for ahead (<see cref="LiveSubscription.PrefetchForReader"/>): the
    /// subscription; its session and ring; the ring's head, the session's gate, token and output; the output's lists.</summary>
    private const int PrefetchDepth = 4;

    private readonly int _maxBatches = Math.Max(1, Environment.ProcessorCount);
    private LiveSubscription[] _pending = new LiveSubscription[16];
    private int _count;

    // Batches not in use: a stack pushed by the work items as they finish and popped by the publisher alone, so a
    // compare-and-swap pop cannot see a node that was taken and put back meanwhile (no other thread pops).
    private Batch? _free;

    /// <summary>Work items queued so far (publisher's thread).</summary>
    internal long WorkItems { get; private set; }

    public void Add(LiveSubscription subscription)
    {
        if (_count == _pending.Length)
        {
            Array.Resize(ref _pending, _count * 2);
        }
        _pending[_count++] = subscription;
    }

    /// <summary>Wakes every reader added since the last call.</summary>
    public void Dispatch()
    {
        var count = _count;
        if (count == 0)
        {
            return;
        }
        _count = 0;
        var batches = Math.Clamp(count / MinReadersPerBatch, 1, _maxBatches);
        var start = 0;
        for (var b = 1; b <= batches; b++)
        {
            var end = (int)((long)count * b / batches);
            var batch = Rent();
            batch.Fill(_pending.AsSpan(start, end - start));
            ThreadPool.UnsafeQueueUserWorkItem(batch, preferLocal: false);
            WorkItems++;
            start = end;
        }
        Array.Clear(_pending, 0, count);
    }

    private Batch Rent()
    {
        while (Volatile.Read(ref _free) is { } head)
        {
            if (Interlocked.CompareExchange(ref _free, head.Next, head) == head)
            {
                head.Next = null;
                return head;
            }
        }
        return new Batch(this);
    }

    private void Return(Batch batch)
    {
        while (true)
        {
            var head = Volatile.Read(ref _free);
            batch.Next = head;
            if (Interlocked.CompareExchange(ref _free, batch, head) == head)
            {
                return;
            }
        }
    }

    private sealed class Batch(SubscriberWakes owner) : IThreadPoolWorkItem
    {
        private readonly GatheredReleases _releases = new();
        private LiveSubscription[] _readers = new LiveSubscription[16];
        private int _count;

        public Batch? Next;

        public void Fill(ReadOnlySpan<LiveSubscription> readers)
        {
            if (_readers.Length < readers.Length)
            {
                _readers = new LiveSubscription[Math.Max(readers.Length, _readers.Length * 2)];
            }
            readers.CopyTo(_readers);
            _count = readers.Length;
        }

        public void Execute()
        {
            var readers = _readers;
            var count = _count;
            var outer = _releases.Begin();
            // The players' sends go to the kernel together once every reader has been resumed (SendRing).
            var sends = SendRing.Begin();
            try
            {
                for (var i = 0; i < count; i++)
                {
                    // What the next readers will read is asked for while this one sends, a level of their objects
                    // per step: the fourth reader on its subscription, ..., the next one its output's lists, each level
                    // found through the one asked for a step earlier, so no reference followed here waits on memory.
                    for (var ahead = 1; ahead <= PrefetchDepth && i + ahead < count; ahead++)
                    {
                        LiveSubscription.PrefetchForReader(readers[i + ahead], PrefetchDepth - ahead);
                    }
                    var reader = readers[i];
                    readers[i] = null!;
                    reader.Resume();
                }
            }
            finally
            {
                try
                {
                    SendRing.End(sends);
                }
                finally
                {
                    _releases.End(outer);
                }
            }
            _count = 0;
            owner.Return(this);
        }
    }
}
