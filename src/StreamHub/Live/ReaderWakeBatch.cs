namespace StreamHub.Live;

/// <summary>Readers woken together on one thread-pool thread: the share of a frame's inline wake-ups
/// (<see cref="SubscriptionOptions.WakesInline"/>) that the publisher's thread hands to a second core instead of
/// running them itself. One per stream, reused: no allocation per frame. Filled only by the publisher's thread, and
/// only when the previous batch has finished.</summary>
internal sealed class ReaderWakeBatch : IThreadPoolWorkItem
{
    private LiveSubscription?[] _readers = new LiveSubscription?[16];
    private int _count;
    private volatile bool _running;

    /// <summary>Publisher's thread: takes <paramref name="source"/>[start..end) (clearing them there) and queues the
    /// batch; false, taking nothing, while the previous batch still runs.</summary>
    public bool TryRun(LiveSubscription?[] source, int start, int end)
    {
        if (_running)
        {
            return false;
        }
        var count = end - start;
        if (_readers.Length < count)
        {
            _readers = new LiveSubscription?[Math.Max(count, _readers.Length * 2)];
        }
        Array.Copy(source, start, _readers, 0, count);
        Array.Clear(source, start, count);
        _count = count;
        _running = true;
        ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
        return true;
    }

    void IThreadPoolWorkItem.Execute()
    {
        for (var i = 0; i < _count; i++)
        {
            var reader = _readers[i]!;
            _readers[i] = null;
            reader.RunReader();
        }
        _running = false;
    }
}
