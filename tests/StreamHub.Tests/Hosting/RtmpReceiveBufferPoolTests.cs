using StreamHub.Hosting;

namespace StreamHub.Tests.Hosting;

/// <summary>The RTMP port's memory: 4 KiB blocks, reused, unless the renting thread asked for a 64 KiB receive buffer
/// (a publisher's read loop does, each time it waits for media).</summary>
public sealed class RtmpReceiveBufferPoolTests
{
    public RtmpReceiveBufferPoolTests()
    {
        // The hint is per thread: a session that ran on this test thread before (over in-memory pipes, where no
        // transport takes it) may have left it set.
        RtmpReceiveBufferPool.ForgetLargeReceive();
    }

    [Fact]
    public void Without_the_hint_it_rents_4_KiB_blocks_and_reuses_them()
    {
        using var pool = new RtmpReceiveBufferPool();
        var first = pool.Rent(4096);
        Assert.Equal(RtmpReceiveBufferPool.SmallBlockSize, first.Memory.Length);
        first.Memory.Span[0] = 42;
        first.Dispose();

        var second = pool.Rent();
        Assert.Equal(42, second.Memory.Span[0]);
        Assert.Equal(1, pool.SmallBlocksCreated);
        Assert.Equal(0, pool.LargeBuffersRented);
        second.Dispose();
    }

    [Fact]
    public void The_hint_gives_the_next_rent_on_the_thread_a_64_KiB_buffer_and_only_that_one()
    {
        using var pool = new RtmpReceiveBufferPool();
        pool.ExpectLargeReceive();
        var large = pool.Rent(4096);
        var next = pool.Rent(4096);

        Assert.True(large.Memory.Length >= RtmpReceiveBufferPool.BufferSize, $"{large.Memory.Length} bytes");
        Assert.Equal(RtmpReceiveBufferPool.SmallBlockSize, next.Memory.Length);
        Assert.Equal(1, pool.LargeBuffersInUse);
        large.Dispose();
        large.Dispose();
        next.Dispose();
        Assert.Equal(0, pool.LargeBuffersInUse);
        Assert.Equal(1, pool.LargeBuffersRented);
    }

    [Fact]
    public void A_hint_for_one_pool_is_not_taken_by_another_and_waits_for_its_own()
    {
        using var pool = new RtmpReceiveBufferPool();
        using var other = new RtmpReceiveBufferPool();
        pool.ExpectLargeReceive();
        using var block = other.Rent(4096);
        using var large = pool.Rent(4096);

        Assert.Equal(RtmpReceiveBufferPool.SmallBlockSize, block.Memory.Length);
        Assert.Equal(0, other.LargeBuffersRented);
        Assert.True(large.Memory.Length >= RtmpReceiveBufferPool.BufferSize, $"{large.Memory.Length} bytes");
    }

    [Fact]
    public void A_withdrawn_hint_is_not_taken()
    {
        using var pool = new RtmpReceiveBufferPool();
        pool.ExpectLargeReceive();
        RtmpReceiveBufferPool.ForgetLargeReceive();
        using var block = pool.Rent(4096);
        Assert.Equal(RtmpReceiveBufferPool.SmallBlockSize, block.Memory.Length);
    }

    [Fact]
    public void A_rent_larger_than_a_block_gets_a_buffer_of_at_least_that_size()
    {
        using var pool = new RtmpReceiveBufferPool();
        using var buffer = pool.Rent(10_000);
        Assert.True(buffer.Memory.Length >= 10_000, $"{buffer.Memory.Length} bytes");
        // Not a receive buffer: a writer asked for one piece of that size.
        Assert.Equal(0, pool.LargeBuffersInUse);
    }

    [Fact]
    public void A_block_returned_twice_goes_back_once()
    {
        using var pool = new RtmpReceiveBufferPool();
        var block = pool.Rent();
        block.Dispose();
        block.Dispose();

        var a = pool.Rent();
        var b = pool.Rent();
        a.Memory.Span[0] = 1;
        b.Memory.Span[0] = 2;
        Assert.Equal(1, a.Memory.Span[0]);
        Assert.Equal(2, pool.SmallBlocksCreated);
        a.Dispose();
        b.Dispose();
    }
}
