using Microsoft.Extensions.Options;

namespace StreamHub.Recording;

/// <summary>The threads that run the recordings: a few dedicated threads (<see cref="RecordingOptions.WriterThreads"/>)
/// rather than a task per recording on the thread pool. Each recording belongs to one of them; every
/// <see cref="DrainEvery"/> the thread takes what each of its recordings' subscriptions has queued, adds it to the
/// recording's fragment and, when a fragment is cut, writes it there and then. Nothing wakes a recording per frame or
/// per fragment, and no timer runs per recording.
/// <para>A write to a disk that is slower than the streams (the kernel throttles writers once dirty pages pile up), an
/// O_DIRECT write waiting for the device or an fsync blocks its thread for as long as the disk takes: on the thread
/// pool that would starve the RTMP sessions, the HLS packaging and the HTTP requests that share it, so a slow disk
/// would delay the live streams. Here it only delays the recordings, whose subscriptions drop frames (a gap) or, in
/// the end, the recording, as they do for any slow consumer.</para></summary>
public sealed class RecordingDisk : IDisposable
{
    /// <summary>How often each recording's queue is taken. A fragment is written at most this late, which only the
    /// rewind window sees; the subscription's queue (seconds) holds what arrives meanwhile.</summary>
    public static readonly TimeSpan DrainEvery = TimeSpan.FromMilliseconds(250);

    private readonly RecordingDiskThread[] _threads;
    private int _disposed;

    public RecordingDisk(IOptions<RecordingOptions> options)
        : this(options.Value.WriterThreads, DrainEvery)
    {
    }

    internal RecordingDisk(int threads, TimeSpan drainEvery)
    {
        _threads = new RecordingDiskThread[Math.Max(1, threads)];
        for (var i = 0; i < _threads.Length; i++)
        {
            _threads[i] = new RecordingDiskThread($"recording-disk-{i}", drainEvery);
        }
    }

    /// <summary>Recordings each thread drains now.</summary>
    internal IReadOnlyList<int> RecordingsPerThread => [.. _threads.Select(t => t.Count)];

    /// <summary>Times each thread has woken.</summary>
    internal IReadOnlyList<long> PassesPerThread => [.. _threads.Select(t => t.Passes)];

    /// <summary>Hands <paramref name="recording"/> to the thread with the fewest; null when the threads have stopped
    /// (the server is shutting down: the caller finishes the recording itself).</summary>
    internal RecordingDiskThread? Add(IPumpedRecording recording)
    {
        var thread = _threads.MinBy(t => t.Count)!;
        return thread.Add(recording) ? thread : null;
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        // Each thread stops its recordings, which write what they hold and close their files.
        foreach (var thread in _threads)
        {
            thread.Stop();
        }
        foreach (var thread in _threads)
        {
            thread.Join(TimeSpan.FromSeconds(5));
        }
    }
}
