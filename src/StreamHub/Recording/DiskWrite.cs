using System.Threading.Tasks.Sources;

namespace StreamHub.Recording;

/// <summary>One recording's pending disk write, reused for every fragment (one write in flight per recording):
/// nothing is allocated per write.</summary>
public sealed class DiskWrite : IValueTaskSource
{
    private ManualResetValueTaskSourceCore<bool> _completion = new() { RunContinuationsAsynchronously = true };
    private RecordingFile? _file;
    private ReadOnlyMemory<byte> _bytes;
    private IReadOnlyList<ReadOnlyMemory<byte>>? _buffers;
    private long _offset;
    private bool _sync;
    private bool _close;

    /// <summary>Sets up the next write of <paramref name="bytes"/> at <paramref name="offset"/>, and an fsync after it
    /// when <paramref name="sync"/>.</summary>
    public ValueTask Prepare(RecordingFile file, ReadOnlyMemory<byte> bytes, long offset, bool sync)
    {
        _completion.Reset();
        _file = file;
        _bytes = bytes;
        _buffers = null;
        _offset = offset;
        _sync = sync;
        _close = false;
        return new ValueTask(this, _completion.Version);
    }

    /// <summary>Sets up the next write of <paramref name="buffers"/>, one after the other, at <paramref name="offset"/>:
    /// one write (see <see cref="RecordingFile.Write(IReadOnlyList{ReadOnlyMemory{byte}}, long)"/>). The buffers stay untouched until the returned task completes.</summary>
    public ValueTask Prepare(RecordingFile file, IReadOnlyList<ReadOnlyMemory<byte>> buffers, long offset, bool sync)
    {
        var task = Prepare(file, ReadOnlyMemory<byte>.Empty, offset, sync);
        _buffers = buffers;
        return task;
    }

    /// <summary>Sets up the file's close: its padding cut off, an fsync, the handle closed.</summary>
    public ValueTask PrepareClose(RecordingFile file)
    {
        var task = Prepare(file, ReadOnlyMemory<byte>.Empty, file.Length, sync: false);
        _close = true;
        return task;
    }

    /// <summary>On a disk thread.</summary>
    internal void Execute()
    {
        try
        {
            if (_buffers is not null)
            {
                _file!.Write(_buffers, _offset);
            }
            else if (!_bytes.IsEmpty)
            {
                _file!.Write(_bytes.Span, _offset);
            }
            if (_sync)
            {
                _file!.Sync();
            }
            if (_close)
            {
                _file!.Close();
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
