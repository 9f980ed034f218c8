using System.Collections.Concurrent;

namespace StreamHub.Recording;

/// <summary>One of the <see cref="RecordingDisk"/> threads and the recordings it drains: each of them once every
/// <see cref="RecordingDisk.DrainEvery"/>, a slice of them at a time, <see cref="Slices"/> times a period (all of them at
/// once when woken).
/// <para>Slices, not all at once: a drain lets go of the frames it takes, and their pooled buffers go back to the shared
/// array pool, whose per-core stacks keep a few dozen arrays of a size. Hundreds of recordings drained in one pass
/// return thousands in a burst; most fall out of the pool and every publisher's next rent allocates a new one (the
/// garbage of that doubled the server's allocation rate). A slice returns a few dozen, which the publishers rent again
/// before the next.</para></summary>
internal sealed class RecordingDiskThread
{
    private readonly Thread _thread;
    /// <summary>Drains per period, each of every <see cref="Slices"/>-th recording.</summary>
    public const int Slices = 25;

    private readonly TimeSpan _tick;
    private long _ticks;
    private readonly ConcurrentQueue<IPumpedRecording> _added = new();
    // The thread's own.
    private readonly List<IPumpedRecording> _recordings = new(128);
    private readonly AutoResetEvent _wake = new(false);
    private readonly Lock _gate = new();
    private int _count;
    private long _passes;
    private volatile bool _stopping;
    private bool _stopped;

    public RecordingDiskThread(string name, TimeSpan drainEvery)
    {
        _tick = drainEvery / Slices;
        _thread = new Thread(Run) { IsBackground = true, Name = name };
        _thread.Start();
    }

    /// <summary>Recordings this thread drains (those added and not finished).</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>Times the thread has woken and gone over its recordings.</summary>
    internal long Passes => Volatile.Read(ref _passes);

    /// <summary>Adds a recording, drained from the next period on. False once the thread has stopped: the caller
    /// finishes it.</summary>
    public bool Add(IPumpedRecording recording)
    {
        lock (_gate)
        {
            if (_stopped)
            {
                return false;
            }
            // Queued before it is counted: a thread that found its list and this queue empty (and so sleeps without
            // a period) had counted its last recording out before that, so this count goes from 0 and wakes it.
            _added.Enqueue(recording);
            if (Interlocked.Increment(ref _count) == 1)
            {
                _wake.Set();
            }
        }
        return true;
    }

    /// <summary>Drains now rather than at the end of the period (a recording was stopped: its file closes sooner).</summary>
    public void Wake() => _wake.Set();

    /// <summary>Asks the thread to stop every recording (each closes its file) and end.</summary>
    public void Stop()
    {
        _stopping = true;
        _wake.Set();
    }

    /// <summary>Waits up to <paramref name="wait"/> for the thread to end.</summary>
    public void Join(TimeSpan wait) => _thread.Join(wait);

    private void Run()
    {
        var woken = false;
        while (true)
        {
            Volatile.Write(ref _passes, _passes + 1);
            var stopping = _stopping;
            if (stopping)
            {
                lock (_gate)
                {
                    _stopped = true;
                }
            }
            while (_added.TryDequeue(out var added))
            {
                _recordings.Add(added);
            }
            // A recording removed moves the last one into its place, which may then be drained a slice early or late.
            var slice = (int)(_ticks++ % Slices);
            for (var i = 0; i < _recordings.Count;)
            {
                if (!stopping && !woken && i % Slices != slice)
                {
                    i++;
                    continue;
                }
                if (PumpOne(_recordings[i], stopping))
                {
                    i++;
                    continue;
                }
                _recordings[i] = _recordings[^1];
                _recordings.RemoveAt(_recordings.Count - 1);
                Interlocked.Decrement(ref _count);
            }
            if (stopping)
            {
                return;
            }
            // Nothing to drain: no period, so a server that records nothing has no thread waking 100 times a second.
            woken = _wake.WaitOne(_recordings.Count == 0 && _added.IsEmpty ? Timeout.InfiniteTimeSpan : _tick);
        }
    }

    private static bool PumpOne(IPumpedRecording recording, bool stopping)
    {
        try
        {
            return recording.Pump(stopping);
        }
        catch (Exception)
        {
            // A recording handles its own failures (it stops with the reason); one that escapes must not end the
            // thread every other recording on it depends on.
            return false;
        }
    }
}
