using System.Buffers;
using System.Runtime.InteropServices;
using StreamHub.Media;
using StreamHub.Rtmp.Playback;
using StreamHub.Tests.Rtmp.Playback;

namespace StreamHub.Tests.Media;

/// <summary><see cref="MediaFrame.GetOrAddEncoding"/>: one encoding per frame, shared by every caller with its key,
/// made once however many threads ask at once, and returned to the pool with the frame's last release.</summary>
public sealed class MediaFrameEncodingTests
{
    [Fact]
    public void The_second_caller_with_the_same_key_gets_the_same_bytes_without_encoding_again_and_another_key_gets_none()
    {
        var frame = RtmpMediaChunksTests.Frame("avc-inter", 3_000);
        var encodings = 0;
        MediaFrame.Encoder encode = (f, destination, key) =>
        {
            Interlocked.Increment(ref encodings);
            return RtmpMediaChunks.Shared(f, destination, key);
        };
        var key = RtmpMediaChunks.SharedKey(128, 1);
        var max = RtmpMediaChunks.MaxLength(frame, 128);

        var first = frame.GetOrAddEncoding(key, max, encode);
        var second = frame.GetOrAddEncoding(key, max, encode);
        var other = frame.GetOrAddEncoding(RtmpMediaChunks.SharedKey(4096, 1), RtmpMediaChunks.MaxLength(frame, 4096), encode);

        Assert.Equal(1, encodings);
        Assert.True(first.Span.SequenceEqual(second.Span));
        Assert.True(MemoryMarshal.TryGetArray(first, out var a) && MemoryMarshal.TryGetArray(second, out var b) && ReferenceEquals(a.Array, b.Array));
        Assert.True(other.IsEmpty);
        frame.Release();
    }

    [Fact]
    public void Callers_on_several_threads_at_once_all_get_the_one_encoding()
    {
        const int Threads = 6;
        for (var round = 0; round < 200; round++)
        {
            var frame = RtmpMediaChunksTests.Frame("avc-key", 20_000);
            var encodings = 0;
            MediaFrame.Encoder encode = (f, destination, key) =>
            {
                Interlocked.Increment(ref encodings);
                Thread.SpinWait(2_000); // a slow encoder: the others arrive while it writes
                return RtmpMediaChunks.Shared(f, destination, key);
            };
            var key = RtmpMediaChunks.SharedKey(4096, 1);
            var max = RtmpMediaChunks.MaxLength(frame, 4096);
            var results = new byte[Threads][];
            using var start = new Barrier(Threads);
            var threads = Enumerable.Range(0, Threads).Select(i => new Thread(() =>
            {
                start.SignalAndWait();
                results[i] = frame.GetOrAddEncoding(key, max, encode).ToArray();
            })).ToList();
            threads.ForEach(t => t.Start());
            threads.ForEach(t => Assert.True(t.Join(TimeSpan.FromSeconds(10))));

            Assert.Equal(1, encodings);
            Assert.All(results, r => Assert.Equal(results[0], r));
            Assert.NotEmpty(results[0]);
            frame.Release();
        }
    }

    [Fact]
    public void An_encoder_that_throws_leaves_the_frame_unshared_not_stuck()
    {
        var frame = RtmpMediaChunksTests.Frame("aac", 100);
        var key = RtmpMediaChunks.SharedKey(128, 1);

        Assert.Throws<InvalidOperationException>(() => frame.GetOrAddEncoding(key, 512, (_, _, _) => throw new InvalidOperationException("encoder bug")));
        var after = Task.Run(() => frame.GetOrAddEncoding(key, 512, RtmpMediaChunks.Shared).IsEmpty);

        Assert.True(after.Wait(TimeSpan.FromSeconds(5)), "a caller after a failed encoding spins for ever");
        Assert.True(after.Result);
        frame.Release();
    }

    [Fact]
    public void The_encoded_buffer_goes_back_to_the_pool_on_the_last_release_not_before()
    {
        // PinnedBufferPool hands the array last returned to its size class back to the next rent of that class: seeing
        // it again tells when it was returned. 600,000 bytes asked for is the 1 MiB class, which no other test uses.
        var frame = RtmpMediaChunksTests.Frame("aac", 100);
        var encoded = frame.GetOrAddEncoding(RtmpMediaChunks.SharedKey(128, 1), 600_000, RtmpMediaChunks.Shared);
        Assert.True(MemoryMarshal.TryGetArray(encoded, out var segment));
        frame.Retain();

        frame.Release();
        var whileHeld = PinnedBufferPool.Shared.Rent(600_000);
        Assert.NotSame(segment.Array, whileHeld);
        PinnedBufferPool.Shared.Return(whileHeld);
        var drained = PinnedBufferPool.Shared.Rent(600_000); // takes back whileHeld, so the slot is free again

        frame.Release();
        var afterLast = PinnedBufferPool.Shared.Rent(600_000);
        Assert.Same(segment.Array, afterLast);
        PinnedBufferPool.Shared.Return(afterLast);
        PinnedBufferPool.Shared.Return(drained);
    }

    [Fact]
    public void Writing_a_frame_for_several_players_allocates_nothing_per_frame()
    {
        var frames = Enumerable.Range(0, 60).Select(i => RtmpMediaChunksTests.Frame(i % 3 == 0 ? "aac" : "avc-inter", 500 + i * 150, dts: i * 20)).ToArray();
        var players = Enumerable.Range(0, 3).Select(_ => new ArrayBufferWriter<byte>(256 * 1024)).ToArray();
        var key = RtmpMediaChunks.SharedKey(4096, 1);

        void Run()
        {
            foreach (var player in players)
            {
                player.ResetWrittenCount();
            }
            foreach (var frame in frames)
            {
                // What the play loop does per frame: the shared chunks for players of chunk size 4096 on stream 1, and
                // a player on another stream id (not shareable) encoding for itself.
                foreach (var player in players)
                {
                    player.Write(frame.GetOrAddEncoding(key, RtmpMediaChunks.MaxLength(frame, 4096), RtmpMediaChunks.Shared).Span);
                }
                RtmpMediaChunks.Write(players[0], frame, (uint)frame.Dts, 128, 300);
            }
        }

        Run();
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 100; i++)
        {
            Run();
        }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        foreach (var frame in frames)
        {
            frame.Release();
        }
    }
}
