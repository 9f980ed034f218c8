using System.Buffers;
using StreamHub.Hls.Segmenting;
using StreamHub.Hls.Ts;

namespace StreamHub.Tests.Hls.Segmenting;

public sealed class SegmentBufferTests
{
    [Fact]
    public void Packets_fill_blocks_exactly_and_detach_gives_exactly_the_written_bytes()
    {
        var pool = new SegmentBlockPool();
        var buffer = new SegmentBuffer(pool);
        var expected = new byte[1000 * TsPacket.Size];
        for (var i = 0; i < 1000; i++)
        {
            var span = buffer.GetSpan(TsPacket.Size);
            Assert.True(span.Length >= TsPacket.Size);
            var packet = expected.AsSpan(i * TsPacket.Size, TsPacket.Size);
            packet.Fill((byte)i);
            packet[0] = TsPacket.SyncByte;
            packet.CopyTo(span);
            buffer.Advance(TsPacket.Size);
        }
        Assert.Equal(expected.Length, buffer.WrittenCount);
        Assert.Equal(3, buffer.BlockCount); // 348 + 348 + 304 packets

        var data = buffer.Detach(out var first);

        Assert.NotNull(first);
        Assert.Equal(expected, data.ToArray());
        var pieces = new List<int>();
        foreach (var piece in data)
        {
            pieces.Add(piece.Length);
        }
        Assert.Equal([SegmentBlockPool.BlockSize, SegmentBlockPool.BlockSize, 304 * TsPacket.Size], pieces);
        Assert.Equal(0, buffer.WrittenCount);
        Assert.Equal(3, pool.BlocksInUse); // owned by whoever took them, until returned
        pool.Return(first!);
        Assert.Equal(0, pool.BlocksInUse);
        Assert.Equal(3, pool.BlocksFree);
    }

    [Fact]
    public void Writes_of_any_size_never_span_two_blocks_and_keep_their_order()
    {
        var pool = new SegmentBlockPool();
        var buffer = new SegmentBuffer(pool);
        var random = new Random(8);
        var expected = new List<byte>();
        for (var i = 0; i < 400; i++)
        {
            var hint = random.Next(0, 9000);
            var span = buffer.GetSpan(hint);
            Assert.True(span.Length >= Math.Max(hint, 1));
            var count = random.Next(0, Math.Min(span.Length, hint + 1) + 1);
            random.NextBytes(span[..count]);
            expected.AddRange(span[..count].ToArray());
            buffer.Advance(count);
        }

        var data = buffer.Detach(out var first);

        Assert.True(data.Length > 10L * SegmentBlockPool.BlockSize, $"{data.Length} bytes");
        Assert.Equal(expected.ToArray(), data.ToArray());
        pool.Return(first!);
        Assert.Equal(0, pool.BlocksInUse);
    }

    [Fact]
    public void Nothing_written_detaches_an_empty_sequence_and_no_block()
    {
        var pool = new SegmentBlockPool();
        var buffer = new SegmentBuffer(pool);
        var data = buffer.Detach(out var first);
        Assert.True(data.IsEmpty);
        Assert.Null(first);
        Assert.Equal(0, pool.BlocksInUse);
    }

    [Fact]
    public void The_buffer_is_reused_after_detach()
    {
        var pool = new SegmentBlockPool();
        var buffer = new SegmentBuffer(pool);
        buffer.GetSpan(10)[..10].Fill(1);
        buffer.Advance(10);
        var one = buffer.Detach(out var oneBlocks);
        buffer.GetSpan(5)[..5].Fill(2);
        buffer.Advance(5);
        var two = buffer.Detach(out var twoBlocks);

        Assert.Equal(Enumerable.Repeat((byte)1, 10), one.ToArray());
        Assert.Equal(Enumerable.Repeat((byte)2, 5), two.ToArray());
        Assert.NotSame(oneBlocks, twoBlocks);
    }

    [Fact]
    public void Dispose_returns_the_blocks_of_an_unfinished_segment()
    {
        var pool = new SegmentBlockPool();
        var buffer = new SegmentBuffer(pool);
        for (var i = 0; i < 700; i++)
        {
            buffer.GetSpan(TsPacket.Size);
            buffer.Advance(TsPacket.Size);
        }
        Assert.Equal(3, pool.BlocksInUse);

        buffer.Dispose();

        Assert.Equal(0, pool.BlocksInUse);
        Assert.Equal(3, pool.BlocksFree);
        Assert.Equal(0, buffer.WrittenCount);
    }

    [Fact]
    public void Advancing_past_the_span_or_asking_for_more_than_a_block_throws()
    {
        var buffer = new SegmentBuffer(new SegmentBlockPool());
        Assert.Throws<ArgumentOutOfRangeException>(() => buffer.Advance(1)); // nothing handed out yet
        var length = buffer.GetSpan().Length;
        Assert.Equal(SegmentBlockPool.BlockSize, length);
        Assert.Throws<ArgumentOutOfRangeException>(() => buffer.Advance(length + 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => buffer.Advance(-1));
        Assert.Throws<ArgumentOutOfRangeException>(() => buffer.GetSpan(SegmentBlockPool.BlockSize + 1));
    }

    [Fact]
    public void Muxing_into_pool_blocks_allocates_nothing_per_packet_once_warm()
    {
        var pool = new SegmentBlockPool();
        var buffer = new SegmentBuffer(pool);
        var muxer = new TsMuxer(hasVideo: true, hasAudio: true);
        var accessUnit = new byte[50_000];
        var audio = new byte[400];
        var adts = new byte[7];
        void Run(int frames)
        {
            muxer.WriteTables(buffer);
            for (var i = 0; i < frames; i++)
            {
                muxer.WriteVideo(buffer, accessUnit, 200_000 + i * 3600, 190_000 + i * 3600, i == 0);
                muxer.WriteAudio(buffer, adts, audio, 190_000 + i * 3600);
            }
        }
        Run(50); // warm up: the pool now holds the blocks of one such segment
        buffer.Detach(out var warm);
        pool.Return(warm!);
        var allocatedBlocks = pool.BlocksAllocated;

        // The fewest bytes over up to three runs: tiered JIT may finish recompiling during one run and allocate on
        // this thread while doing so; an allocation per packet or per block would show in every run.
        var allocated = long.MaxValue;
        for (var attempt = 0; attempt < 3 && allocated > 0; attempt++)
        {
            if (attempt > 0)
            {
                buffer.Detach(out var previous);
                pool.Return(previous!);
            }
            var before = GC.GetAllocatedBytesForCurrentThread();
            Run(50); // ~13,500 packets over ~39 blocks
            allocated = Math.Min(allocated, GC.GetAllocatedBytesForCurrentThread() - before);
        }

        Assert.True(buffer.WrittenCount > 13_000 * TsPacket.Size);
        Assert.True(buffer.BlockCount > 30);
        Assert.Equal(allocatedBlocks, pool.BlocksAllocated);
        Assert.Equal(0, allocated);
    }
}
