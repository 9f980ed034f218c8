using StreamHub.Hls.Segmenting;

namespace StreamHub.Diagnostics;

/// <summary>The HLS segment block pool, for <c>GET /api/stats</c>.</summary>
/// <param name="BlockSize">Bytes per block.</param>
/// <param name="BlocksInUse">Blocks held by segments: listed, retired, open, or still being sent.</param>
/// <param name="BlocksFree">Blocks kept for reuse.</param>
/// <param name="BytesInUse">BlocksInUse × BlockSize (a segment's last block is counted whole).</param>
/// <param name="BytesFree">BlocksFree × BlockSize.</param>
public sealed record SegmentMemoryReport(int BlockSize, int BlocksInUse, int BlocksFree, long BytesInUse, long BytesFree)
{
    public static SegmentMemoryReport Of(SegmentBlockPool pool)
    {
        int inUse = pool.BlocksInUse, free = pool.BlocksFree;
        return new(SegmentBlockPool.BlockSize, inUse, free, (long)inUse * SegmentBlockPool.BlockSize, (long)free * SegmentBlockPool.BlockSize);
    }
}
