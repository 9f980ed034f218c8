using System.Buffers;
using System.Collections.Concurrent;
using Microsoft.AspNetCore.Connections;

namespace StreamHub.Hosting;

/// <summary>The memory of the RTMP port's connections. Kestrel takes one pool per transport and rents from it for both
/// pipes of every connection: the receive buffer each connection holds while it waits for input, and the blocks its
/// output is written into. What suits one connection does not suit another:
/// <list type="bullet">
/// <item>A publisher's media arrives in large reads. Received into Kestrel's 4 KiB blocks it takes several receive
/// calls per write the encoder makes; into 64 KiB buffers about one, and receive calls are much of the CPU a publisher
/// costs (benchmarks/README.md). Its read loop asks for one with <see cref="ExpectLargeReceive"/> each time it waits.</item>
/// <item>A player (and every connection before it publishes) receives a few small control messages, but a receive
/// buffer is held for as long as the receive is pending: a 64 KiB one per player was most of the memory a player
/// cost. Everything else gets 4 KiB blocks, kept here for reuse, as Kestrel's own pool does.</item>
/// </list></summary>
public sealed class RtmpReceiveBufferPool : MemoryPool<byte>, IMemoryPoolFactory<byte>
{
    public const int BufferSize = 64 * 1024;
    public const int SmallBlockSize = 4 * 1024;

    // Set by a publisher's read loop just before it waits for input and taken by the next rent from the same pool on
    // the same thread: with the RTMP port's inline scheduling that rent is the receive buffer the transport allocates
    // for it, right after the read loop has suspended (StreamHub.Rtmp.Session.RtmpSession.ReadMessagesAsync). Any other
    // rent from this pool it lands on merely gets a large buffer once; a rent from another pool (another server in the
    // process) never takes it.
    [ThreadStatic]
    private static RtmpReceiveBufferPool? t_largeNext;

    private readonly ConcurrentQueue<SmallBlock> _small = new();
    private long _largeRented;
    private long _largeInUse;
    private long _smallCreated;

    /// <summary>The next buffer rented from this pool on this thread is to be a 64 KiB one (a publisher is about to
    /// wait for media).</summary>
    public void ExpectLargeReceive() => t_largeNext = this;

    /// <summary>Withdraws <see cref="ExpectLargeReceive"/> if no rent took it (the read completed without a receive).</summary>
    public static void ForgetLargeReceive() => t_largeNext = null;

    public override int MaxBufferSize => BufferSize;

    /// <summary>64 KiB receive buffers handed out so far.</summary>
    public long LargeBuffersRented => Interlocked.Read(ref _largeRented);

    /// <summary>64 KiB receive buffers rented and not yet returned.</summary>
    public long LargeBuffersInUse => Interlocked.Read(ref _largeInUse);

    /// <summary>4 KiB blocks created so far (they are reused once returned, never freed).</summary>
    public long SmallBlocksCreated => Interlocked.Read(ref _smallCreated);

    public override IMemoryOwner<byte> Rent(int minBufferSize = -1)
    {
        if (t_largeNext == this)
        {
            t_largeNext = null;
            Interlocked.Increment(ref _largeRented);
            Interlocked.Increment(ref _largeInUse);
            return new LargeBuffer(this, ArrayPool<byte>.Shared.Rent(Math.Max(BufferSize, minBufferSize)));
        }
        if (minBufferSize > SmallBlockSize)
        {
            // A writer that wants more in one piece (a player's video frame): from the shared pool, at its size.
            return new LargeBuffer(null, ArrayPool<byte>.Shared.Rent(minBufferSize));
        }
        if (!_small.TryDequeue(out var block))
        {
            Interlocked.Increment(ref _smallCreated);
            block = new SmallBlock(this);
        }
        block.Rented = 1;
        return block;
    }

    MemoryPool<byte> IMemoryPoolFactory<byte>.Create(MemoryPoolOptions? options) => this;

    protected override void Dispose(bool disposing)
    {
        // The large arrays belong to the shared pool; the small blocks are left to the GC with the pool.
    }

    /// <summary>An array of the shared pool; counted as a receive buffer when <paramref name="pool"/> is given.</summary>
    private sealed class LargeBuffer(RtmpReceiveBufferPool? pool, byte[] array) : IMemoryOwner<byte>
    {
        private byte[]? _array = array;

        public Memory<byte> Memory => _array ?? throw new ObjectDisposedException(nameof(RtmpReceiveBufferPool));

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _array, null) is { } array)
            {
                ArrayPool<byte>.Shared.Return(array);
                if (pool is not null)
                {
                    Interlocked.Decrement(ref pool._largeInUse);
                }
            }
        }
    }

    /// <summary>A reusable 4 KiB block: returning it puts the same object back in the queue, so renting one allocates
    /// nothing once the pool is warm. Pinned, as sockets use it for I/O.</summary>
    private sealed class SmallBlock(RtmpReceiveBufferPool pool) : IMemoryOwner<byte>
    {
        private readonly byte[] _array = GC.AllocateUninitializedArray<byte>(SmallBlockSize, pinned: true);

        // 1 while rented: a second Dispose must not put the block in the queue twice (two owners of one buffer).
        public int Rented;

        public Memory<byte> Memory => _array;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref Rented, 0) == 1)
            {
                pool._small.Enqueue(this);
            }
        }
    }
}
