using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace StreamHub.Recording;

/// <summary>The recorders' disk writes, on a few dedicated threads rather than the thread pool. A write to a disk that
/// is slower than the streams (the kernel throttles writers once dirty pages pile up) or an fsync blocks its thread
/// for as long as the disk takes: on the thread pool that would starve the RTMP sessions, the HLS packaging and the
/// HTTP requests that share it, so a slow disk would delay the live streams. Here it only delays the recordings, whose
/// subscriptions drop frames (a gap) or, in the end, the recording, as they do for any slow consumer.</summary>
public sealed class RecordingDisk : IDisposable
{
    private readonly BlockingCollection<DiskWrite> _queue = new();
    private readonly Thread[] _threads;

    public RecordingDisk(IOptions<RecordingOptions> options)
    {
        _threads = new Thread[options.Value.WriterThreads];
        for (var i = 0; i < _threads.Length; i++)
        {
            _threads[i] = new Thread(Run) { IsBackground = true, Name = $"recording-disk-{i}" };
            _threads[i].Start();
        }
    }

    /// <summary>Queues a write (then an fsync when asked); the <see cref="ValueTask"/> that <c>DiskWrite.Prepare</c> returned completes when it is done.</summary>
    public void Enqueue(DiskWrite write)
    {
        try
        {
            _queue.Add(write);
        }
        catch (Exception ex) when (ex is InvalidOperationException or ObjectDisposedException)
        {
            // Shutting down: the last writes of the recordings being closed run on the caller's thread.
            write.Execute();
        }
    }

    private void Run()
    {
        try
        {
            foreach (var write in _queue.GetConsumingEnumerable())
            {
                write.Execute();
            }
        }
        catch (ObjectDisposedException)
        {
        }
    }

    public void Dispose()
    {
        _queue.CompleteAdding();
        foreach (var thread in _threads)
        {
            thread.Join(TimeSpan.FromSeconds(5));
        }
        _queue.Dispose();
    }
}
