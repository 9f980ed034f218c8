using StreamHub.Hls.Playlists;
using StreamHub.Hls.Segmenting;

namespace StreamHub.Tests.Hls.Segmenting;

/// <summary>Pooled segments: the bytes go back to the pool only after the window's release and every response's lease;
/// a dropped segment cannot be leased again.</summary>
public sealed class SegmentLeaseTests
{
    private static readonly PlaylistEntry Entry = new(7, TimeSpan.FromSeconds(2), false, DateTimeOffset.UnixEpoch, true);

    [Fact]
    public void The_array_returns_to_the_pool_after_the_last_lease_not_before()
    {
        var pool = new SegmentMemoryPool(64L * 1024 * 1024);
        var array = pool.Rent(100_000);
        var segment = new Segment(Entry, array, 100_000, pool);

        var lease = segment.TryLease();
        Assert.NotNull(lease);
        segment.Release(); // the window drops the segment while a response still sends it
        Assert.Equal(0, pool.PooledBytes);

        lease!.Dispose();
        Assert.Equal(array.Length, pool.PooledBytes);
        lease.Dispose(); // a second dispose does nothing
        Assert.Equal(array.Length, pool.PooledBytes);
    }

    [Fact]
    public void A_dropped_segment_cannot_be_leased()
    {
        var pool = new SegmentMemoryPool(64L * 1024 * 1024);
        var segment = new Segment(Entry, pool.Rent(70_000), 70_000, pool);

        segment.Release();

        Assert.Null(segment.TryLease());
        Assert.Throws<InvalidOperationException>(segment.Release);
    }

    [Fact]
    public void A_rented_array_is_reused_after_it_came_back()
    {
        var pool = new SegmentMemoryPool(64L * 1024 * 1024);
        var first = pool.Rent(100_000);
        pool.Return(first);

        var second = pool.Rent(90_000);

        Assert.Same(first, second);
        Assert.Equal(0, pool.PooledBytes);
    }
}
