using System.Buffers;

namespace StreamHub.Hls.Segmenting;

/// <summary>The growing bytes of the segment being muxed: one array that the finished <see cref="Segment"/> keeps as
/// it is, so closing a segment copies nothing. The array is allocated uninitialised (bytes past
/// <see cref="WrittenCount"/> are never exposed), sized from the previous segment so it rarely grows.</summary>
public sealed class SegmentBuffer : IBufferWriter<byte>
{
    private readonly SegmentMemoryPool? _pool;
    private byte[] _buffer;
    private int _written;

    public SegmentBuffer(int capacity)
    {
        _buffer = GC.AllocateUninitializedArray<byte>(Math.Max(capacity, 4096));
    }

    /// <summary>A buffer whose array comes from <paramref name="pool"/> (and grows through it).</summary>
    public SegmentBuffer(int capacity, SegmentMemoryPool pool)
    {
        _pool = pool;
        _buffer = pool.Rent(Math.Max(capacity, 4096));
    }

    public int WrittenCount => _written;

    public int Capacity => _buffer.Length;

    public void Advance(int count)
    {
        if ((uint)count > (uint)(_buffer.Length - _written))
        {
            throw new ArgumentOutOfRangeException(nameof(count), "Advanced past the end of the buffer.");
        }
        _written += count;
    }

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        Reserve(sizeHint);
        return _buffer.AsMemory(_written);
    }

    public Span<byte> GetSpan(int sizeHint = 0)
    {
        Reserve(sizeHint);
        return _buffer.AsSpan(_written);
    }

    /// <summary>Hands the array and the written length over (to a pooled <see cref="Segment"/>); the buffer must not
    /// be written again.</summary>
    public byte[] DetachArray(out int length)
    {
        var array = _buffer;
        length = _written;
        _buffer = [];
        _written = 0;
        return array;
    }

    /// <summary>Hands the written bytes over; the buffer must not be written again.</summary>
    public ReadOnlyMemory<byte> Detach()
    {
        var written = new ReadOnlyMemory<byte>(_buffer, 0, _written);
        _buffer = [];
        _written = 0;
        return written;
    }

    private void Reserve(int sizeHint)
    {
        sizeHint = Math.Max(sizeHint, 1);
        if (_buffer.Length - _written >= sizeHint)
        {
            return;
        }
        var length = Math.Max(_buffer.Length + _buffer.Length / 2, _written + sizeHint);
        var grown = _pool is null ? GC.AllocateUninitializedArray<byte>(length) : _pool.Rent(length);
        _buffer.AsSpan(0, _written).CopyTo(grown);
        _pool?.Return(_buffer);
        _buffer = grown;
    }
}
