using System.Threading.Tasks.Sources;

namespace StreamHub.Recording;

/// <summary>One recording's pending disk write, reused for every fragment (one write in flight per recording):
/// nothing is allocated per write.</summary>
public sealed class DiskWrite : IValueTaskSource
{
    private ManualResetValueTaskSourceCore<bool> _completion = new() { RunContinuationsAsynchronously = true };
    private FileStream? _file;
    private ReadOnlyMemory<byte> _bytes;
    private long _offset;
    private bool _sync;

    /// <summary>Sets up the next write of <paramref name="bytes"/> at <paramref name="offset"/>, and an fsync after it
    /// when <paramref name="sync"/>.</summary>
    public ValueTask Prepare(FileStream file, ReadOnlyMemory<byte> bytes, long offset, bool sync)
    {
        _completion.Reset();
        _file = file;
        _bytes = bytes;
        _offset = offset;
        _sync = sync;
        return new ValueTask(this, _completion.Version);
    }

    /// <summary>On a disk thread.</summary>
    internal void Execute()
    {
        try
        {
            if (!_bytes.IsEmpty)
            {
                RandomAccess.Write(_file!.SafeFileHandle, _bytes.Span, _offset);
            }
            if (_sync)
            {
                _file!.Flush(flushToDisk: true);
            }
            _file = null;
            _bytes = default;
            _completion.SetResult(true);
        }
        catch (Exception ex)
        {
            _file = null;
            _bytes = default;
            _completion.SetException(ex);
        }
    }

    public void GetResult(short token) => _completion.GetResult(token);

    public ValueTaskSourceStatus GetStatus(short token) => _completion.GetStatus(token);

    public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _completion.OnCompleted(continuation, state, token, flags);
}
