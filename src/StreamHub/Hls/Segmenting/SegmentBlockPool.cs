using StreamHub.Hls.Ts;

namespace StreamHub.Hls.Segmenting;

/// <summary>The server's segment memory: fixed-size blocks that every stream's segments are chained from, reused for
/// as long as the process runs.
/// <list type="bullet">
/// <item>Why blocks: a segment used to be one contiguous array of its own size (~0.7 MB at 2.7 Mbit/s). Sizes vary, so
/// pooled arrays of a size nobody asked for again sat idle, the large-object heap fragmented, and each new array was a
/// gen-2 allocation whose pages were faulted in on first write. One block size means any free block serves any
/// stream, and the free list holds only what the streams' churn needs.</item>
/// <item>Size: 348 TS packets (65 424 bytes, just under 64 KiB). The muxer writes whole 188-byte packets, so they fill
/// a block exactly: no packet straddles two blocks and no block but a segment's last has unused bytes.</item>
/// <item>Blocks are allocated pinned, on the pinned object heap: the GC never moves or compacts them, and below the
/// 85 000-byte large-object threshold they would otherwise be copied through gen 0 and gen 1 first.</item>
/// <item>Free blocks are a LIFO stack (the block returned last is rented next: its cache lines and pages are the
/// warmest), bounded by <c>maxFreeBlocks</c>; one beyond is left to the GC. Once per <see cref="TrimInterval"/>
/// (when given a clock) the blocks that stayed free for the whole interval are dropped, so memory goes back after
/// streams stop.</item>
/// </list>
/// A block is rented once per ~64 KiB of media, not per packet, so one uncontended lock is cheap enough.</summary>
public sealed class SegmentBlockPool : IDisposable
{
    public const int BlockSize = 348 * TsPacket.Size;

    /// <summary>256 MiB of free blocks: the churn of ~700 streams at 2.7 Mbit/s (a stream's dropped segment comes
    /// back at each cut and is rented again over the next segment's 2 s; ~5 blocks free per stream on average).</summary>
    public const int DefaultMaxFreeBlocks = 4096;

    public static readonly TimeSpan TrimInterval = TimeSpan.FromMinutes(1);

    private readonly Lock _gate = new();
    private readonly int _maxFreeBlocks;
    private readonly ITimer? _trimTimer;
    private SegmentBlock[] _free = new SegmentBlock[16];
    private int _freeCount;
    private int _inUse;

    /// <summary>The fewest free blocks since the last trim: the bottom of the stack this deep was not rented since.</summary>
    private int _lowWater;

    private long _allocated;

    /// <param name="maxFreeBlocks">Free blocks kept for reuse at most.</param>
    /// <param name="time">Trims the free list once per <see cref="TrimInterval"/>; null: only <see cref="Trim"/> does.</param>
    public SegmentBlockPool(int maxFreeBlocks = DefaultMaxFreeBlocks, TimeProvider? time = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxFreeBlocks);
        _maxFreeBlocks = maxFreeBlocks;
        _trimTimer = time?.CreateTimer(static pool => ((SegmentBlockPool)pool!).Trim(), this, TrimInterval, TrimInterval);
    }

    /// <summary>Blocks held by segments (finished, open, or leased by a response).</summary>
    public int BlocksInUse => Volatile.Read(ref _inUse);

    /// <summary>Blocks waiting to be rented again.</summary>
    public int BlocksFree => Volatile.Read(ref _freeCount);

    public long BytesInUse => (long)BlocksInUse * BlockSize;

    public long BytesFree => (long)BlocksFree * BlockSize;

    /// <summary>Blocks allocated since the pool was created (a rent that found the free list empty).</summary>
    public long BlocksAllocated => Interlocked.Read(ref _allocated);

    /// <summary>A block (its bytes uninitialised: callers expose only what they wrote).</summary>
    public SegmentBlock Rent()
    {
        lock (_gate)
        {
            _inUse++;
            if (_freeCount > 0)
            {
                var block = _free[--_freeCount];
                _free[_freeCount] = null!;
                _lowWater = Math.Min(_lowWater, _freeCount);
                return block;
            }
            _lowWater = 0;
        }
        Interlocked.Increment(ref _allocated);
        return new SegmentBlock(GC.AllocateUninitializedArray<byte>(BlockSize, pinned: true));
    }

    /// <summary>Gives back <paramref name="first"/> and every block chained after it.</summary>
    public void Return(SegmentBlock first)
    {
        lock (_gate)
        {
            for (var block = first; block is not null;)
            {
                var next = block.NextBlock;
                block.Reset();
                _inUse--;
                if (_freeCount < _maxFreeBlocks)
                {
                    if (_freeCount == _free.Length)
                    {
                        Array.Resize(ref _free, Math.Min(_free.Length * 2, _maxFreeBlocks));
                    }
                    _free[_freeCount++] = block;
                }
                block = next;
            }
        }
    }

    /// <summary>Drops the free blocks that no rent has needed since the previous trim.</summary>
    public void Trim()
    {
        lock (_gate)
        {
            var unused = _lowWater;
            if (unused > 0)
            {
                Array.Copy(_free, unused, _free, 0, _freeCount - unused);
                Array.Clear(_free, _freeCount - unused, unused);
                _freeCount -= unused;
            }
            _lowWater = _freeCount;
        }
    }

    public void Dispose() => _trimTimer?.Dispose();
}
