using System.Buffers;
using System.IO.Pipelines;
using Microsoft.Extensions.Logging.Abstractions;
using StreamHub.Live;
using StreamHub.Media;
using StreamHub.Rtmp;
using StreamHub.Rtmp.Chunking;
using StreamHub.Rtmp.Commands;
using StreamHub.Rtmp.Messages;
using StreamHub.Rtmp.Session;
using StreamHub.StreamKeys;
using StreamHub.Tests.Admission;
using StreamHub.Tests.Infrastructure;
using Xunit.Abstractions;

namespace StreamHub.Tests.Rtmp.Session;

/// <summary>The whole ingest path (chunks → message → FLV header → MediaFrame → LiveStream → sink) allocates per
/// message, not per chunk. The pipes use inline schedulers, so the session runs on the test's thread and
/// <see cref="GC.GetAllocatedBytesForCurrentThread"/> sees everything it allocates.</summary>
public sealed class RtmpSessionAllocationTests(ITestOutputHelper output)
{
    private const int Messages = 200;
    private const int SegmentSize = 1460; // one TCP segment a read: the worst case for per-read costs
    private const int MeasuredRounds = 3;

    [Fact]
    public async Task Media_path_allocates_per_message_not_per_chunk()
    {
        var small = await MeasureAsync(chunkSize: 128);
        var large = await MeasureAsync(chunkSize: 4096);
        output.WriteLine($"chunk size 128: {small.Allocated / (double)Messages:F1} B/message over {small.Chunks} chunks; " +
            $"chunk size 4096: {large.Allocated / (double)Messages:F1} B/message over {large.Chunks} chunks");

        Assert.True(small.Chunks > 40 * large.Chunks / 2, "the two runs differ in chunk count");
        // One MediaFrame object per message (56 bytes on x64; its payload array comes from the pool), nothing per
        // chunk and nothing per read.
        Assert.True(small.Allocated <= Messages * 96L, $"{small.Allocated} bytes for {Messages} messages at chunk size 128");
        // Allocating per chunk would be at least an object (24 bytes) for each of ~18,000 more chunks: 430 KB. The
        // slack is one 4 KB array a shared pool bucket that the parallel tests emptied could not lend (seen once in CI).
        Assert.True(Math.Abs(small.Allocated - large.Allocated) <= Messages * 8L + 4_200,
            $"allocation depends on chunk count: {small.Allocated} vs {large.Allocated}");
    }

    private static async Task<(long Allocated, int Chunks)> MeasureAsync(int chunkSize)
    {
        var inline = new PipeOptions(readerScheduler: PipeScheduler.Inline, writerScheduler: PipeScheduler.Inline,
            pauseWriterThreshold: 0, useSynchronizationContext: false);
        var toServer = new Pipe(inline);
        var toClient = new Pipe(inline);
        var authorizer = new FakeStreamKeyAuthorizer();
        authorizer.Keys["k"] = new PublishDecision(PublishVerdict.Allowed, "alloc");
        var registry = new LiveStreamRegistry([new CountingSink()], TimeProvider.System);
        await using var session = new RtmpSession(new TestDuplexPipe(toServer.Reader, toClient.Writer), "c", "r",
            new RtmpOptions(), registry, TestAdmission.Create(registry, authorizer), NullLogger.Instance);
        var run = session.RunAsync(CancellationToken.None);
        var client = new TestRtmpClient(toClient.Reader, toServer.Writer);
        await client.HandshakeAsync();
        await client.SetChunkSizeAsync(chunkSize);
        var (code, streamId) = await client.PublishAsync("k");
        Assert.Equal(RtmpStatusCodes.PublishStart, code);
        await client.SendAvcAsync(streamId, 0, true, 0, 0, [1, 0x64, 0, 0x1F]);

        var batch = new ArrayBufferWriter<byte>();
        var body = TestRtmpClient.AvcBody(false, 1, 40, new byte[12_000]);
        for (var i = 0; i < Messages; i++)
        {
            ChunkWriter.WriteMessage(batch, 6, 40u + (uint)i * 40, RtmpMessageType.Video, streamId, body, chunkSize);
        }
        var bytes = batch.WrittenMemory;
        // Warm-up round: pool buckets, JIT tiers, the chunk stream's reassembly buffer.
        FeedInline(toServer.Writer, bytes);
        FeedInline(toServer.Writer, bytes);

        // The least of three rounds: a shared pool emptied by a gen-2 GC elsewhere in the test run (the pools trim
        // then) costs one round a fresh array, which is neither per chunk nor per message.
        var allocated = long.MaxValue;
        for (var round = 0; round < MeasuredRounds; round++)
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            FeedInline(toServer.Writer, bytes);
            allocated = Math.Min(allocated, GC.GetAllocatedBytesForCurrentThread() - before);
        }

        Assert.Equal((2 + MeasuredRounds) * Messages, registry.Find("alloc")!.VideoFrames);
        await toServer.Writer.CompleteAsync();
        await run.WaitAsync(TimeSpan.FromSeconds(10));
        return (allocated, Messages * ((body.Length + chunkSize - 1) / chunkSize));
    }

    /// <summary>Writes and flushes; with inline schedulers the session consumes the bytes before this returns.</summary>
    private static void FeedInline(PipeWriter writer, ReadOnlyMemory<byte> bytes)
    {
        for (var offset = 0; offset < bytes.Length; offset += SegmentSize)
        {
            var flush = writer.WriteAsync(bytes.Slice(offset, Math.Min(SegmentSize, bytes.Length - offset)));
            Assert.True(flush.IsCompletedSuccessfully, "session did not consume inline");
        }
    }

    private sealed class CountingSink : IMediaSink
    {
        public long Frames;

        public void OnPublishStarted(LiveStream stream)
        {
        }

        public void OnFrame(LiveStream stream, MediaFrame frame) => Frames++;

        public void OnPublishEnded(LiveStream stream)
        {
        }
    }
}
