using System.Collections.Concurrent;

namespace StreamHub.Hls.Segmenting;

/// <summary>Recycles segment arrays. Every stream cuts a segment of ~0.7 MB every 2 s and drops one as old: without
/// reuse each is a fresh large-object-heap array whose pages the kernel must fault in and zero on first write (at 200
/// streams, ~18 000 page faults/s and a third of the packaging CPU), and a gen-2 GC later frees it. Arrays are kept in
/// 64 KiB size classes, up to <see cref="MaxPooledBytes"/> in all; an array comes back only when no reader holds its
/// <see cref="Segment"/> (see <see cref="Segment.TryLease"/>).</summary>
public sealed class SegmentMemoryPool
{
    public const int SizeClass = 64 * 1024;

    /// <summary>Size classes above the requested one that <see cref="Rent"/> also accepts (up to +192 KiB).</summary>
    private const int Slack = 3;

    public static SegmentMemoryPool Shared { get; } = new(256L * 1024 * 1024);

    private readonly ConcurrentDictionary<int, ConcurrentBag<byte[]>> _free = new();
    private readonly long _maxPooledBytes;
    private long _pooledBytes;

    public SegmentMemoryPool(long maxPooledBytes)
    {
        _maxPooledBytes = maxPooledBytes;
    }

    public long MaxPooledBytes => _maxPooledBytes;

    /// <summary>Bytes held by free arrays now.</summary>
    public long PooledBytes => Interlocked.Read(ref _pooledBytes);

    /// <summary>An array of at least <paramref name="minimumLength"/> bytes (uninitialised: callers expose only what
    /// they wrote).</summary>
    public byte[] Rent(int minimumLength)
    {
        var sizeClass = ClassOf(minimumLength);
        for (var c = sizeClass; c <= sizeClass + Slack; c++)
        {
            if (_free.TryGetValue(c, out var bag) && bag.TryTake(out var array))
            {
                Interlocked.Add(ref _pooledBytes, -array.Length);
                return array;
            }
        }
        return GC.AllocateUninitializedArray<byte>((int)Math.Min((long)sizeClass * SizeClass, Array.MaxLength));
    }

    /// <summary>Gives an array back (dropped to the GC when the pool is full or the array is not one of its sizes).</summary>
    public void Return(byte[] array)
    {
        if (array.Length == 0 || array.Length % SizeClass != 0)
        {
            return;
        }
        if (Interlocked.Add(ref _pooledBytes, array.Length) > _maxPooledBytes)
        {
            Interlocked.Add(ref _pooledBytes, -array.Length);
            return;
        }
        _free.GetOrAdd(array.Length / SizeClass, static _ => new ConcurrentBag<byte[]>()).Add(array);
    }

    private static int ClassOf(int length) => (int)(((long)Math.Max(length, 1) + SizeClass - 1) / SizeClass);
}
