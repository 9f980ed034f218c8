using System.Buffers;

namespace StreamHub.Hls.Segmenting;

/// <summary>The growing bytes of the segment being muxed, as a chain of pool blocks rented one at a time as it fills.
/// <see cref="GetSpan"/> never spans two blocks: a request that does not fit in the rest of the current block starts
/// the next one (the TS muxer asks for whole 188-byte packets, which fill a block exactly). <see cref="Detach"/> hands
/// the chain to the finished <see cref="Segment"/> as it is, so closing a segment copies nothing; the buffer is then
/// empty and ready for the next segment.</summary>
public sealed class SegmentBuffer : IBufferWriter<byte>, IDisposable
{
    private readonly SegmentBlockPool _pool;
    private SegmentBlock? _first;
    private SegmentBlock? _current;
    private int _written; // in _current

    public SegmentBuffer(SegmentBlockPool pool)
    {
        _pool = pool;
    }

    /// <summary>Bytes written since the last <see cref="Detach"/>.</summary>
    public long WrittenCount => _current is null ? 0 : _current.RunningIndex + _written;

    /// <summary>Blocks held now.</summary>
    public int BlockCount { get; private set; }

    public void Advance(int count)
    {
        if (_current is null ? count != 0 : (uint)count > (uint)(SegmentBlockPool.BlockSize - _written))
        {
            throw new ArgumentOutOfRangeException(nameof(count), "Advanced past the end of the span.");
        }
        _written += count;
    }

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        Reserve(sizeHint);
        return _current!.Array.AsMemory(_written);
    }

    public Span<byte> GetSpan(int sizeHint = 0)
    {
        Reserve(sizeHint);
        return _current!.Array.AsSpan(_written);
    }

    /// <summary>The bytes written from offset <paramref name="start"/> on (a part of the open segment), readable from any
    /// thread while the blocks live: the blocks already written are never written again, and the current block's
    /// readable length only grows.</summary>
    public ReadOnlySequence<byte> WrittenFrom(long start)
    {
        if (_current is null || start >= WrittenCount)
        {
            return ReadOnlySequence<byte>.Empty;
        }
        _current.Seal(_written);
        var block = _first!;
        while (start >= block.RunningIndex + block.Memory.Length && block != _current)
        {
            block = block.NextBlock!;
        }
        return new ReadOnlySequence<byte>(block, (int)(start - block.RunningIndex), _current, _written);
    }

    /// <summary>Hands the written bytes over, as a sequence over the blocks; <paramref name="first"/> is the head of
    /// their chain (null when nothing was written), for the new owner to return to the pool.</summary>
    public ReadOnlySequence<byte> Detach(out SegmentBlock? first)
    {
        first = _first;
        if (_current is null)
        {
            return ReadOnlySequence<byte>.Empty;
        }
        _current.Seal(_written);
        var written = new ReadOnlySequence<byte>(_first!, 0, _current, _written);
        _first = _current = null;
        _written = 0;
        BlockCount = 0;
        return written;
    }

    /// <summary>Returns the blocks of an unfinished segment to the pool (the stream is going away).</summary>
    public void Dispose()
    {
        if (_first is not null)
        {
            _pool.Return(_first);
        }
        _first = _current = null;
        _written = 0;
        BlockCount = 0;
    }

    private void Reserve(int sizeHint)
    {
        sizeHint = Math.Max(sizeHint, 1);
        if (_current is not null && SegmentBlockPool.BlockSize - _written >= sizeHint)
        {
            return;
        }
        if (sizeHint > SegmentBlockPool.BlockSize)
        {
            throw new ArgumentOutOfRangeException(nameof(sizeHint), sizeHint, $"A segment buffer hands out at most one block ({SegmentBlockPool.BlockSize} bytes) at a time.");
        }
        var next = _pool.Rent();
        if (_current is null)
        {
            _first = next;
        }
        else
        {
            _current.Seal(_written);
            _current.Link(next);
        }
        _current = next;
        _written = 0;
        BlockCount++;
    }
}
