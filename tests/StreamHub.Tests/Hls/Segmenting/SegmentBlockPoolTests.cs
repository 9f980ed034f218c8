using StreamHub.Hls.Segmenting;
using StreamHub.Hls.Ts;
using StreamHub.Tests.Hls.Support;

namespace StreamHub.Tests.Hls.Segmenting;

public sealed class SegmentBlockPoolTests
{
    [Fact]
    public void Blocks_hold_whole_ts_packets_just_under_64_KiB()
    {
        Assert.Equal(0, SegmentBlockPool.BlockSize % TsPacket.Size);
        Assert.InRange(SegmentBlockPool.BlockSize, 64 * 1024 - TsPacket.Size, 64 * 1024);
        var pool = new SegmentBlockPool();
        Assert.Equal(SegmentBlockPool.BlockSize, pool.Rent().Array.Length);
    }

    [Fact]
    public void A_returned_block_is_the_one_rented_next()
    {
        var pool = new SegmentBlockPool();
        var first = pool.Rent();
        var second = pool.Rent();
        pool.Return(first);
        pool.Return(second);

        Assert.Same(second, pool.Rent());
        Assert.Same(first, pool.Rent());
        Assert.Equal(2, pool.BlocksAllocated);
    }

    [Fact]
    public void Counts_blocks_and_bytes_in_use_and_free()
    {
        var pool = new SegmentBlockPool();
        var blocks = Enumerable.Range(0, 5).Select(_ => pool.Rent()).ToArray();
        Assert.Equal(5, pool.BlocksInUse);
        Assert.Equal(0, pool.BlocksFree);
        Assert.Equal(5L * SegmentBlockPool.BlockSize, pool.BytesInUse);

        pool.Return(blocks[0]);
        pool.Return(blocks[1]);

        Assert.Equal(3, pool.BlocksInUse);
        Assert.Equal(2, pool.BlocksFree);
        Assert.Equal(2L * SegmentBlockPool.BlockSize, pool.BytesFree);
    }

    [Fact]
    public void Free_blocks_beyond_the_bound_are_left_to_the_gc()
    {
        var pool = new SegmentBlockPool(maxFreeBlocks: 3);
        var blocks = Enumerable.Range(0, 5).Select(_ => pool.Rent()).ToArray();
        foreach (var block in blocks)
        {
            pool.Return(block);
        }
        Assert.Equal(0, pool.BlocksInUse);
        Assert.Equal(3, pool.BlocksFree);

        for (var i = 0; i < 4; i++)
        {
            pool.Rent();
        }
        Assert.Equal(6, pool.BlocksAllocated); // three reused, one new
    }

    [Fact]
    public void Trim_drops_the_blocks_no_rent_needed_since_the_previous_trim()
    {
        var pool = new SegmentBlockPool();
        var blocks = Enumerable.Range(0, 4).Select(_ => pool.Rent()).ToArray();
        foreach (var block in blocks)
        {
            pool.Return(block);
        }
        pool.Trim(); // all four were rented since the pool began
        Assert.Equal(4, pool.BlocksFree);

        var busy = pool.Rent(); // only one block is needed during the next interval
        pool.Return(busy);
        pool.Trim();
        Assert.Equal(1, pool.BlocksFree);
        Assert.Same(busy, pool.Rent()); // the one kept is the one in use

        pool.Return(busy);
        pool.Trim(); // rented in this interval too: kept
        Assert.Equal(1, pool.BlocksFree);
        pool.Trim(); // idle for a whole interval: dropped
        Assert.Equal(0, pool.BlocksFree);
        Assert.Equal(0, pool.BlocksInUse);
    }

    [Fact]
    public void A_clock_trims_once_per_interval_until_the_pool_is_disposed()
    {
        var time = new ManualTimeProvider(DateTimeOffset.UnixEpoch);
        var pool = new SegmentBlockPool(time: time);
        var timer = Assert.Single(time.Timers);
        Assert.Equal(SegmentBlockPool.TrimInterval, timer.DueTime);
        pool.Return(pool.Rent());

        timer.Callback(timer.State);
        timer.Callback(timer.State);

        Assert.Equal(0, pool.BlocksFree);
        pool.Dispose();
        Assert.True(timer.Disposed);
    }
}
