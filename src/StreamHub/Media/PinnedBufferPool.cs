namespace StreamHub.Media;

/// <summary>Byte arrays on the pinned object heap, pooled by power-of-two size: memory a socket send can hand the
/// kernel by address without pinning it per call (a pinned <see cref="System.Runtime.InteropServices.GCHandle"/> per
/// buffer per send is what the runtime's gathered send costs otherwise). Arrays never move, so a pointer into one stays
/// valid while the array is referenced. Rented and returned once per frame (its shared encoding) or per control
/// message block, not per player per frame, so a lock per size class is cheap enough; arrays beyond a class's bound
/// are left to the collector.</summary>
public sealed class PinnedBufferPool
{
    private const int MinShift = 12;
    private const int MaxShift = 20;
    private const int PerClass = 64;

    private readonly Bucket[] _buckets;

    /// <summary>The pool frames and RTMP socket outputs share.</summary>
    public static PinnedBufferPool Shared { get; } = new();

    private PinnedBufferPool()
    {
        _buckets = new Bucket[MaxShift - MinShift + 1];
        for (var i = 0; i < _buckets.Length; i++)
        {
            _buckets[i] = new Bucket(1 << (MinShift + i));
        }
    }

    /// <summary>A pinned array of at least <paramref name="minimumLength"/> bytes (a power of two, at least 4 KiB);
    /// beyond the largest class, an unpooled pinned array of exactly that length.</summary>
    public byte[] Rent(int minimumLength)
    {
        var index = ClassOf(minimumLength);
        return index < _buckets.Length
            ? _buckets[index].Rent()
            : GC.AllocateUninitializedArray<byte>(minimumLength, pinned: true);
    }

    /// <summary>Gives back an array from <see cref="Rent"/>; one of another size is dropped.</summary>
    public void Return(byte[] array)
    {
        var index = ClassOf(array.Length);
        if (index < _buckets.Length && _buckets[index].Size == array.Length)
        {
            _buckets[index].Return(array);
        }
    }

    private static int ClassOf(int length) =>
        length <= 1 << MinShift ? 0 : System.Numerics.BitOperations.Log2((uint)length - 1) + 1 - MinShift;

    private sealed class Bucket(int size)
    {
        private readonly byte[]?[] _arrays = new byte[PerClass][];
        private readonly Lock _gate = new();
        private int _count;

        public int Size { get; } = size;

        public byte[] Rent()
        {
            lock (_gate)
            {
                if (_count > 0)
                {
                    var array = _arrays[--_count]!;
                    _arrays[_count] = null;
                    return array;
                }
            }
            return GC.AllocateUninitializedArray<byte>(Size, pinned: true);
        }

        public void Return(byte[] array)
        {
            lock (_gate)
            {
                if (_count < _arrays.Length)
                {
                    _arrays[_count++] = array;
                }
            }
        }
    }
}
