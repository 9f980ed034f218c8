using System.Threading.Tasks.Sources;

namespace StreamHub.Recording;

/// <summary>One recording's pending disk write, reused for every fragment (one write in flight per recording):
/// nothing is allocated per write.</summary>
public sealed class DiskWrite : IValueTaskSource
{
    private ManualResetValueTaskSourceCore<bool> _completion = new() { RunContinuationsAsynchronously = true };
    private FileStream? _file;
    private ReadOnlyMemory<byte> _bytes;
    private IReadOnlyList<ReadOnlyMemory<byte>>? _buffers;
    private long _offset;
    private bool _sync;

    /// <summary>Sets up the next write of <paramref name="bytes"/> at <paramref name="offset"/>, and an fsync after it
    /// when <paramref name="sync"/>.</summary>
    public ValueTask Prepare(FileStream file, ReadOnlyMemory<byte> bytes, long offset, bool sync)
    {
        _completion.Reset();
        _file = file;
        _bytes = bytes;
        _buffers = null;
        _offset = offset;
        _sync = sync;
        return new ValueTask(this, _completion.Version);
    }

    /// <summary>Sets up the next write of <paramref name="buffers"/>, one after the other, at <paramref name="offset"/>:
    /// one gathered write (pwritev), so a fragment's header and its frames' payloads reach the file without first
    /// being copied into one buffer. The buffers stay untouched until the returned task completes.</summary>
    public ValueTask Prepare(FileStream file, IReadOnlyList<ReadOnlyMemory<byte>> buffers, long offset, bool sync)
    {
        var task = Prepare(file, ReadOnlyMemory<byte>.Empty, offset, sync);
        _buffers = buffers;
        return task;
    }

    /// <summary>On a disk thread.</summary>
    internal void Execute()
    {
        try
        {
            if (_buffers is not null)
            {
                RandomAccess.Write(_file!.SafeFileHandle, _buffers, _offset);
            }
            else if (!_bytes.IsEmpty)
            {
                RandomAccess.Write(_file!.SafeFileHandle, _bytes.Span, _offset);
            }
            if (_sync)
            {
                _file!.Flush(flushToDisk: true);
            }
            _file = null;
            _bytes = default;
            _buffers = null;
            _completion.SetResult(true);
        }
        catch (Exception ex)
        {
            _file = null;
            _bytes = default;
            _buffers = null;
            _completion.SetException(ex);
        }
    }

    public void GetResult(short token) => _completion.GetResult(token);

    public ValueTaskSourceStatus GetStatus(short token) => _completion.GetStatus(token);

    public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _completion.OnCompleted(continuation, state, token, flags);
}
