using System.Buffers;
using Microsoft.AspNetCore.Http;
using StreamHub.Hls;
using StreamHub.Hls.Playlists;
using StreamHub.Hls.Segmenting;

namespace StreamHub.Tests.Hls;

/// <summary>The segment response over an in-memory body: headers, blocks in order, HEAD, and a lease that keeps the
/// blocks from being reused while the response is still being written.</summary>
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
        Assert.Equal(bytes, body.ToArray());
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
