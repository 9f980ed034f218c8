using System.Buffers;
using StreamHub.Hls.Playlists;
using StreamHub.Hls.Segmenting;

namespace StreamHub.Tests.Hls.Segmenting;

/// <summary>Pooled segments: the blocks go back to the pool only after the window's release and every response's
/// lease; a dropped segment cannot be leased again.</summary>
public sealed class SegmentLeaseTests
{
    private static readonly PlaylistEntry Entry = new(7, TimeSpan.FromSeconds(2), false, DateTimeOffset.UnixEpoch, true);

    private static Segment Pooled(SegmentBlockPool pool, int length, byte fill = 0x47)
    {
        var buffer = new SegmentBuffer(pool);
        for (var left = length; left > 0;)
        {
            var span = buffer.GetSpan();
            var count = Math.Min(span.Length, left);
            span[..count].Fill(fill);
            buffer.Advance(count);
            left -= count;
        }
        var data = buffer.Detach(out var blocks);
        return new Segment(Entry, data, blocks, pool);
    }

    [Fact]
    public void The_blocks_return_to_the_pool_after_the_last_lease_not_before()
    {
        var pool = new SegmentBlockPool();
        var segment = Pooled(pool, 100_000);
        Assert.Equal(2, pool.BlocksInUse);

        var lease = segment.TryLease();
        Assert.NotNull(lease);
        segment.Release(); // the window drops the segment while a response still sends it
        Assert.Equal(2, pool.BlocksInUse);
        Assert.Equal(0, pool.BlocksFree);

        lease!.Dispose();
        Assert.Equal(0, pool.BlocksInUse);
        Assert.Equal(2, pool.BlocksFree);
        lease.Dispose(); // a second dispose does nothing
        Assert.Equal(2, pool.BlocksFree);
    }

    [Fact]
    public void A_dropped_segment_cannot_be_leased()
    {
        var pool = new SegmentBlockPool();
        var segment = Pooled(pool, 70_000);

        segment.Release();

        Assert.Null(segment.TryLease());
        Assert.Throws<InvalidOperationException>(segment.Release);
    }

    [Fact]
    public void Leased_blocks_are_not_rented_to_another_segment()
    {
        var pool = new SegmentBlockPool();
        var segment = Pooled(pool, 200_000, fill: 0xAB);
        using (var lease = segment.TryLease())
        {
            segment.Release();
            var other = Pooled(pool, 300_000, fill: 0xCD); // what other streams write meanwhile

            Assert.Equal(200_000, segment.Data.Length);
            Assert.All(segment.Data.ToArray(), b => Assert.Equal(0xAB, b));
            other.Release();
        }
        Assert.Equal(0, pool.BlocksInUse);
    }
}
