using System.Diagnostics;
using System.IO.Pipelines;
using Microsoft.Extensions.Logging.Abstractions;
using StreamHub.Live;
using StreamHub.Media;
using StreamHub.Playback;
using StreamHub.Rtmp;
using StreamHub.Rtmp.Commands;
using StreamHub.Rtmp.Session;
using StreamHub.Tests.Hls.Support;
using StreamHub.Tests.Infrastructure;
using Xunit.Abstractions;

namespace StreamHub.Tests.Rtmp.Session;

/// <summary>The play path in steady state (a frame written to the live stream, queued to the player's subscription,
/// taken by the session's play loop, written as the chunks shared by players of its chunk size, flushed to the
/// player's pipe) allocates nothing per frame. The play loop runs on the thread pool, so the count is the process's
/// (<see cref="GC.GetTotalAllocatedBytes(bool)"/>), in a collection that runs alone.</summary>
[Collection(ProcessAllocationCollection.Name)]
public sealed class RtmpPlayAllocationTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Playing_allocates_nothing_per_frame()
    {
        var toServer = new Pipe();
        // The play loop's flush resumes inline when the client takes the bytes: the default (thread pool) scheduler
        // would queue a work item, allocated, per resume. Kestrel's socket transport resumes through its own queue,
        // without one.
        var toClient = new Pipe(new PipeOptions(writerScheduler: PipeScheduler.Inline, useSynchronizationContext: false));
        var registry = new LiveStreamRegistry([], TimeProvider.System);
        var players = new PlayerRegistry(TimeProvider.System, NullLogger<PlayerRegistry>.Instance);
        Assert.True(registry.TryBeginPublish("alloc-play", new PublisherInfo("pub", "127.0.0.1:1", null), out var stream));
        Publish(stream, SyntheticFrames.VideoConfig());
        Publish(stream, SyntheticFrames.AudioConfig());
        await using var session = new RtmpSession(new TestDuplexPipe(toServer.Reader, toClient.Writer), "player", "127.0.0.1:2",
            new RtmpOptions(), registry, StreamHub.Tests.Admission.TestAdmission.Create(registry, new FakeStreamKeyAuthorizer()), NullLogger.Instance, players: players);
        var run = Task.Run(() => session.RunAsync(CancellationToken.None));

        var client = new TestRtmpClient(toClient.Reader, toServer.Writer);
        await client.HandshakeAsync();
        Assert.Equal(CommandNames.Result, (await client.ConnectAppAsync())?.Name);
        await client.SendCommandAsync(0, CommandNames.CreateStream, 2, [null]);
        var streamId = (uint)(await client.ReadCommandAsync())!.NumberArgument(0)!.Value;
        await client.SendCommandAsync(streamId, CommandNames.Play, 0, null, "alloc-play");
        RtmpCommand? status;
        while ((status = await client.ReadCommandAsync()) is not null && status.Name != CommandNames.OnStatus)
        {
        }
        Assert.Equal(RtmpStatusCodes.PlayReset, Playback.RtmpPlayClient.StatusCode(status!));

        // From here the client only takes the bytes off the pipe, on its own thread, as a socket would.
        var draining = true;
        long drained = 0;
        var reader = toClient.Reader;
        var drainer = new Thread(() =>
        {
            while (Volatile.Read(ref draining))
            {
                if (reader.TryRead(out var read))
                {
                    drained += read.Buffer.Length;
                    reader.AdvanceTo(read.Buffer.End);
                }
                else
                {
                    Thread.Sleep(1);
                }
            }
        }) { IsBackground = true };
        drainer.Start();

        // 25 fps with a keyframe a second, AAC beside it, made before anything is counted. After a warm-up, a run of
        // N frames and a run of 2N are counted: what is allocated per frame, or per batch or flush, doubles from one to
        // the other; what the runtime allocates meanwhile on its own threads does not. A one-off of the runtime's (a
        // pool thread injected on a loaded machine, with its thread-local ArrayPool buckets) can land in either run:
        // up to five tries, one of which must be flat.
        const int N = 150;
        // Enough for the warm-up and five tries of N + 2N frames (200 + 5 × 450).
        var frames = SyntheticFrames.Interleaved(0, 40_000, 25, videoSize: 3_000).ToArray();
        var subscription = session.Player!.Subscription;
        var next = 200;
        WriteAndDrain(stream, frames.AsSpan(0, next), subscription);
        List<(long Small, long Large)> tries = [];
        // Flat: the 2N run allocated no more than the N run (allowing a state machine or two), and less than one small
        // object per frame in all. What the runtime allocates once on its own (a pool thread's buckets) lands in the
        // N run as often as not, so only the 2N run's total is bounded.
        static bool Flat((long Small, long Large) t) => t.Large - t.Small < 256 && t.Large < 4096;
        for (var attempt = 0; attempt < 5 && (tries.Count == 0 || !Flat(tries[^1])); attempt++)
        {
            var from = next;
            var sentBefore = session.Player.BytesSent;
            var small = Count(() => WriteAndDrain(stream, frames.AsSpan(from, N), subscription));
            var large = Count(() => WriteAndDrain(stream, frames.AsSpan(from + N, 2 * N), subscription));
            next += 3 * N;
            tries.Add((small, large));
            output.WriteLine($"{small} bytes allocated in the process for {N} frames, {large} for {2 * N} ({session.Player.BytesSent - sentBefore} bytes sent; {ThreadPool.ThreadCount} pool threads)");
            Assert.True(session.Player.BytesSent - sentBefore > 3 * N * 600L, "too little was sent");
        }

        Assert.Equal(0, subscription.DroppedFrames);
        // One object a frame would be 24+ bytes × N more frames; a state machine per waiting flush (~150 bytes, a few
        // batches a run here) was what this found.
        Assert.Contains(tries, Flat);

        Volatile.Write(ref draining, false);
        drainer.Join();
        registry.EndPublish(stream);
        await toServer.Writer.CompleteAsync();
        await run.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(drained > 3 * N * 600L, $"the client took only {drained} bytes");
    }

    /// <summary>Writes as the publisher's session does (the publisher releases its own reference), then waits until
    /// the play loop has taken everything and flushed it.</summary>
    private static void WriteAndDrain(LiveStream stream, ReadOnlySpan<MediaFrame> frames, LiveSubscription subscription)
    {
        foreach (var frame in frames)
        {
            Publish(stream, frame);
        }
        var clock = Stopwatch.StartNew();
        while (subscription.QueuedItems > 0)
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"{subscription.QueuedItems} entries still queued");
            Thread.Sleep(5);
        }
        Thread.Sleep(200); // the last batch's flush
    }

    /// <summary>Bytes the whole process allocated while <paramref name="action"/> ran.</summary>
    private static long Count(Action action)
    {
        var before = GC.GetTotalAllocatedBytes(precise: true);
        action();
        return GC.GetTotalAllocatedBytes(precise: true) - before;
    }

    private static void Publish(LiveStream stream, MediaFrame frame)
    {
        stream.Write(frame);
        frame.Release();
    }
}
