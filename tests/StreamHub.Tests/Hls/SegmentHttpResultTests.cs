using System.Buffers;
using Microsoft.AspNetCore.Http;
using StreamHub.Hls;
using StreamHub.Hls.Playlists;
using StreamHub.Hls.Segmenting;

namespace StreamHub.Tests.Hls;

/// <summary>The segment response over an in-memory body: headers, blocks in order, single ranges sliced from the blocks,
/// HEAD, and a lease that keeps the blocks from being reused while the response is still being written.</summary>
public sealed class SegmentHttpResultTests
{
    private static readonly PlaylistEntry Entry = new(1, TimeSpan.FromSeconds(2), false, DateTimeOffset.UnixEpoch, true);

    private static (Segment Segment, byte[] Bytes) Pooled(SegmentBlockPool pool, int length)
    {
        var bytes = new byte[length];
        new Random(length).NextBytes(bytes);
        var buffer = new SegmentBuffer(pool);
        for (var written = 0; written < length;)
        {
            var span = buffer.GetSpan();
            var count = Math.Min(span.Length, length - written);
            bytes.AsSpan(written, count).CopyTo(span);
            buffer.Advance(count);
            written += count;
        }
        var data = buffer.Detach(out var blocks);
        return (new Segment(Entry, data, blocks, pool), bytes);
    }

    private static DefaultHttpContext Context(string method, Stream body)
    {
        var context = new DefaultHttpContext();
        context.Request.Method = method;
        context.Response.Body = body;
        return context;
    }

    [Fact]
    public async Task Get_writes_every_block_in_order_with_its_length_and_type()
    {
        var pool = new SegmentBlockPool();
        var (segment, bytes) = Pooled(pool, 5 * SegmentBlockPool.BlockSize + 1234);
        var body = new MemoryStream();
        var context = Context(HttpMethods.Get, body);

        await new SegmentHttpResult(segment.Data).ExecuteAsync(context);
        await context.Response.BodyWriter.CompleteAsync();

        Assert.Equal(StatusCodes.Status200OK, context.Response.StatusCode);
        Assert.Equal("video/mp2t", context.Response.ContentType);
        Assert.Equal(bytes.Length, context.Response.ContentLength);
        Assert.Equal("bytes", context.Response.Headers.AcceptRanges.ToString());
        Assert.False(context.Response.Headers.ContainsKey("Content-Range"));
        Assert.Equal(bytes, body.ToArray());
    }

    [Theory]
    [InlineData("bytes=0-999", 0, 1000)]
    [InlineData("bytes=65000-200000", 65000, 135001)] // starts and ends inside blocks, spans four of them
    [InlineData("bytes=130848-130848", 2 * SegmentBlockPool.BlockSize, 1)] // the first byte of the third block
    [InlineData("bytes=200000-", 200000, 5 * SegmentBlockPool.BlockSize + 1234 - 200000)]
    [InlineData("bytes=-1500", 5 * SegmentBlockPool.BlockSize + 1234 - 1500, 1500)] // the tail spans the last two blocks
    [InlineData("bytes=300000-999999999", 300000, 5 * SegmentBlockPool.BlockSize + 1234 - 300000)]
    public async Task Get_with_a_range_writes_exactly_those_bytes_as_206_with_content_range(string header, int start, int length)
    {
        var pool = new SegmentBlockPool();
        var (segment, bytes) = Pooled(pool, 5 * SegmentBlockPool.BlockSize + 1234);
        var body = new MemoryStream();
        var context = Context(HttpMethods.Get, body);
        context.Request.Headers.Range = header;

        Assert.True(ByteRange.TrySelect(context.Request, bytes.Length, out var range));
        var result = new SegmentHttpResult(segment.Data, range);
        await result.ExecuteAsync(context);
        await context.Response.BodyWriter.CompleteAsync();

        Assert.Equal(StatusCodes.Status206PartialContent, context.Response.StatusCode);
        Assert.Equal(StatusCodes.Status206PartialContent, result.StatusCode);
        Assert.Equal(length, result.BodyLength);
        Assert.Equal("video/mp2t", context.Response.ContentType);
        Assert.Equal(length, context.Response.ContentLength);
        Assert.Equal($"bytes {start}-{start + length - 1}/{bytes.Length}", context.Response.Headers.ContentRange.ToString());
        Assert.Equal("bytes", context.Response.Headers.AcceptRanges.ToString());
        Assert.Equal(bytes.AsSpan(start, length).ToArray(), body.ToArray());
    }

    [Fact]
    public async Task Head_with_a_range_answers_the_range_headers_and_writes_nothing()
    {
        var pool = new SegmentBlockPool();
        var (segment, bytes) = Pooled(pool, 100_000);
        var body = new MemoryStream();
        var context = Context(HttpMethods.Head, body);
        context.Request.Headers.Range = "bytes=-10";

        Assert.True(ByteRange.TrySelect(context.Request, bytes.Length, out var range));
        await new SegmentHttpResult(segment.Data, range).ExecuteAsync(context);

        Assert.Equal(StatusCodes.Status206PartialContent, context.Response.StatusCode);
        Assert.Equal(10, context.Response.ContentLength);
        Assert.Equal("bytes 99990-99999/100000", context.Response.Headers.ContentRange.ToString());
        Assert.Equal(0, body.Length);
    }

    [Fact]
    public async Task Head_sets_the_length_and_writes_nothing()
    {
        var pool = new SegmentBlockPool();
        var (segment, bytes) = Pooled(pool, 100_000);
        var body = new MemoryStream();
        var context = Context(HttpMethods.Head, body);

        await new SegmentHttpResult(segment.Data).ExecuteAsync(context);

        Assert.Equal(bytes.Length, context.Response.ContentLength);
        Assert.Equal(0, body.Length);
    }

    [Fact]
    public async Task A_range_over_many_blocks_allocates_no_more_than_a_range_over_two()
    {
        var pool = new SegmentBlockPool();
        var (segment, _) = Pooled(pool, 40 * SegmentBlockPool.BlockSize);
        var few = new ByteRange(SegmentBlockPool.BlockSize / 2, SegmentBlockPool.BlockSize, true); // 2 blocks
        var many = new ByteRange(SegmentBlockPool.BlockSize / 2, 38 * SegmentBlockPool.BlockSize, true); // 39 blocks

        async Task<long> Allocated(ByteRange range)
        {
            var context = Context(HttpMethods.Get, new DiscardingStream());
            var before = GC.GetAllocatedBytesForCurrentThread();
            // The body completes every write at once, so this runs on this thread to the end.
            var writing = new SegmentHttpResult(segment.Data, range).ExecuteAsync(context);
            var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.True(writing.IsCompletedSuccessfully);
            await writing;
            return allocated;
        }

        for (var i = 0; i < 3; i++)
        {
            await Allocated(few);
            await Allocated(many);
        }
        // The fewest over three runs: a tiered-JIT recompilation finishing during one run allocates on this thread once.
        long fewest = long.MaxValue, manyFewest = long.MaxValue;
        for (var i = 0; i < 3; i++)
        {
            fewest = Math.Min(fewest, await Allocated(few));
            manyFewest = Math.Min(manyFewest, await Allocated(many));
        }
        // 37 more blocks: even the smallest object (24 bytes) per block would add 888 bytes. The slack is for the
        // Content-Range and Content-Length texts, a few digits longer for the longer range.
        Assert.True(manyFewest <= fewest + 64, $"{fewest} bytes for 2 blocks, {manyFewest} bytes for 39 blocks");
    }

    [Fact]
    public async Task A_lease_keeps_the_blocks_while_the_response_is_being_written()
    {
        var pool = new SegmentBlockPool();
        var (segment, bytes) = Pooled(pool, 4 * SegmentBlockPool.BlockSize);
        var lease = segment.TryLease()!; // what the endpoint takes before answering
        var body = new GatedStream();
        var context = Context(HttpMethods.Get, body);

        var writing = new SegmentHttpResult(segment.Data).ExecuteAsync(context);
        await body.Entered.WaitAsync(TimeSpan.FromSeconds(10)); // the client is slow: the first write waits
        segment.Release(); // meanwhile the window drops the segment
        Assert.Equal(4, pool.BlocksInUse);
        var (other, _) = Pooled(pool, 4 * SegmentBlockPool.BlockSize); // and other streams rent blocks
        Assert.Equal(0, pool.BlocksFree);

        body.Open();
        await writing.WaitAsync(TimeSpan.FromSeconds(10));
        await context.Response.BodyWriter.CompleteAsync();
        lease.Dispose(); // the response is done

        Assert.Equal(bytes, body.Written.ToArray());
        Assert.Equal(4, pool.BlocksFree);
        Assert.Equal(4, pool.BlocksInUse); // the other segment's
        other.Release();
    }

    /// <summary>A response body that takes every write at once and keeps nothing.</summary>
    private sealed class DiscardingStream : Stream
    {
        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) => ValueTask.CompletedTask;

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => Task.CompletedTask;

        public override void Write(byte[] buffer, int offset, int count)
        {
        }

        public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public override void Flush()
        {
        }

        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
    }

    /// <summary>A response body whose writes wait until the test opens it.</summary>
    private sealed class GatedStream : Stream
    {
        private readonly TaskCompletionSource _entered = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _open = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public MemoryStream Written { get; } = new();

        public Task Entered => _entered.Task;

        public void Open() => _open.TrySetResult();

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            _entered.TrySetResult();
            await _open.Task;
            Written.Write(buffer.Span);
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException("synchronous write");

        public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public override void Flush()
        {
        }

        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
