using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;
using StreamHub.Hosting;
using StreamHub.Media;
using StreamHub.Rtmp.Playback;

namespace StreamHub.Tests.Hosting;

/// <summary>Players' sends made together through an io_uring submission (<see cref="SendRing"/>), over real loopback
/// sockets: each peer gets its own bytes whole and in order, each flush completes when the ring is submitted (not
/// before), a send the kernel takes only part of goes on asynchronously, and a peer that has gone fails its flush
/// alone. Linux with io_uring only: CI's kernel has it, and elsewhere the sends are direct (the other tests).</summary>
public sealed class SendRingTests
{
    private static bool RingsHere => OperatingSystem.IsLinux() && SendRing.TryCreate() is { } ring && Dispose(ring);

    private static bool Dispose(SendRing ring)
    {
        ring.Dispose();
        return true;
    }

    [Fact]
    public async Task Sends_queued_on_a_ring_go_out_when_it_is_submitted_each_whole_to_its_own_peer()
    {
        Assert.True(RingsHere || !OperatingSystem.IsLinux() || Environment.GetEnvironmentVariable("CI") is null,
            "io_uring is refused on this CI machine: the batched sends are untested");
        if (!RingsHere)
        {
            return;
        }
        var pairs = new List<(Socket Server, Socket Client)>();
        for (var i = 0; i < 40; i++)
        {
            pairs.Add(await RtmpSocketOutputTests.ConnectedPairAsync());
        }
        try
        {
            var outputs = pairs.Select(p => new RtmpSocketOutput(p.Server)).ToArray();
            var frame = MediaFrame.Create(Enumerable.Range(0, 11_300).Select(i => (byte)(i * 13)).ToArray(), MediaKind.Video,
                MediaFrameKind.Coded, 40, isKeyframe: true, videoCodec: VideoCodec.H264);
            var shared = frame.GetOrAddEncoding(RtmpMediaChunks.SharedKey(4096, 1), RtmpMediaChunks.MaxLength(frame, 4096), RtmpMediaChunks.Shared);
            var flushes = new ValueTask<FlushResult>[outputs.Length];

            var ring = SendRing.Begin();
            Assert.NotNull(ring);
            try
            {
                for (var i = 0; i < outputs.Length; i++)
                {
                    outputs[i].Write(new[] { (byte)i, (byte)(i + 1) });
                    outputs[i].Write(shared, frame);
                    flushes[i] = outputs[i].FlushAsync();
                }
                // Queued, not sent: the flushes wait for the submission.
                Assert.All(flushes, flush => Assert.False(flush.IsCompleted));
                Assert.Equal(outputs.Length, ring!.Queued);
                Assert.Equal(0, pairs[0].Client.Available);
            }
            finally
            {
                SendRing.End(ring);
            }
            frame.Release();

            Assert.All(flushes, flush => Assert.True(flush.IsCompleted));
            for (var i = 0; i < outputs.Length; i++)
            {
                var result = await flushes[i];
                Assert.False(result.IsCanceled || result.IsCompleted);
                byte[] expected = [(byte)i, (byte)(i + 1), .. shared.Span];
                Assert.Equal(expected, await RtmpSocketOutputTests.ReceiveAsync(pairs[i].Client, expected.Length));
                Assert.Equal(1, outputs[i].RingSends);
                Assert.Equal(0, outputs[i].DirectSends);
            }
            // Every output let the frame go once the kernel had its bytes.
            Assert.Throws<InvalidOperationException>(() => frame.Retain());
        }
        finally
        {
            foreach (var (server, client) in pairs)
            {
                server.Dispose();
                client.Dispose();
            }
        }
    }

    [Fact]
    public async Task Steady_ring_submissions_allocate_nothing_per_player_and_frame()
    {
        if (!RingsHere)
        {
            return;
        }
        const int Players = 16;
        var pairs = new List<(Socket Server, Socket Client)>();
        for (var i = 0; i < Players; i++)
        {
            pairs.Add(await RtmpSocketOutputTests.ConnectedPairAsync());
        }
        var draining = true;
        long received = 0;
        var drainer = new Thread(() =>
        {
            var buffer = new byte[64 * 1024];
            while (Volatile.Read(ref draining))
            {
                var any = false;
                foreach (var (_, client) in pairs)
                {
                    while (client.Available > 0)
                    {
                        Interlocked.Add(ref received, client.Receive(buffer));
                        any = true;
                    }
                }
                if (!any)
                {
                    Thread.Sleep(1);
                }
            }
        }) { IsBackground = true };
        drainer.Start();
        try
        {
            var outputs = pairs.Select(p => new RtmpSocketOutput(p.Server)).ToArray();
            var frames = Enumerable.Range(0, 32).Select(i => MediaFrame.Create(new byte[300 + i], MediaKind.Video, MediaFrameKind.Coded, i * 40,
                videoCodec: VideoCodec.H264)).ToArray();
            var key = RtmpMediaChunks.SharedKey(4096, 1);
            var encodings = frames.Select(f => f.GetOrAddEncoding(key, RtmpMediaChunks.MaxLength(f, 4096), RtmpMediaChunks.Shared)).ToArray();
            var completions = 0;
            // What a player's loop does with a flush that did not complete at once (RtmpSession.Pump): one continuation,
            // made once, registered on every pending flush.
            Action onFlushed = () => completions++;
            var flushes = new ValueTask<FlushResult>[Players];

            void Round()
            {
                for (var f = 0; f < frames.Length; f++)
                {
                    var ring = SendRing.Begin();
                    try
                    {
                        for (var p = 0; p < Players; p++)
                        {
                            outputs[p].GetSpan(8)[..8].Fill((byte)f);
                            outputs[p].Advance(8);
                            outputs[p].Write(encodings[f], frames[f]);
                            flushes[p] = outputs[p].FlushAsync();
                            flushes[p].ConfigureAwait(false).GetAwaiter().UnsafeOnCompleted(onFlushed);
                        }
                    }
                    finally
                    {
                        SendRing.End(ring);
                    }
                    for (var p = 0; p < Players; p++)
                    {
                        Assert.False(flushes[p].GetAwaiter().GetResult().IsCompleted);
                    }
                }
            }

            Round();
            var before = GC.GetAllocatedBytesForCurrentThread();
            // Few rounds: what they send fits in the loopback sockets' buffers even if the drainer is slow to run.
            for (var round = 0; round < 5; round++)
            {
                Round();
            }
            var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

            var expected = 6L * Players * (frames.Length * 8 + encodings.Sum(e => (long)e.Length));
            var deadline = DateTime.UtcNow.AddSeconds(10);
            while (Interlocked.Read(ref received) < expected && DateTime.UtcNow < deadline)
            {
                await Task.Delay(10);
            }
            Assert.Equal(expected, Interlocked.Read(ref received));
            // Every flush went by the ring and completed when it was submitted, on this thread.
            Assert.Equal(6 * frames.Length * Players, completions);
            Assert.All(outputs, o => Assert.Equal(6 * frames.Length, o.RingSends));
            // 2560 flushes in 160 submissions: one object each would be tens of kilobytes.
            Assert.True(allocated < 1024, $"{allocated} bytes allocated for 2560 ring flushes");
            foreach (var frame in frames)
            {
                frame.Release();
            }
        }
        finally
        {
            Volatile.Write(ref draining, false);
            drainer.Join(TimeSpan.FromSeconds(5));
            foreach (var (server, client) in pairs)
            {
                server.Dispose();
                client.Dispose();
            }
        }
    }

    [Fact]
    public async Task A_ring_send_the_kernel_takes_only_part_of_goes_on_asynchronously_and_arrives_whole_once_the_peer_reads()
    {
        if (!RingsHere)
        {
            return;
        }
        var (server, client) = await RtmpSocketOutputTests.ConnectedPairAsync(smallBuffers: true);
        var (otherServer, otherClient) = await RtmpSocketOutputTests.ConnectedPairAsync();
        using (server)
        using (client)
        using (otherServer)
        using (otherClient)
        {
            var output = new RtmpSocketOutput(server);
            var other = new RtmpSocketOutput(otherServer);
            var key = RtmpMediaChunks.SharedKey(4096, 1);
            var frames = Enumerable.Range(0, 16).Select(i => MediaFrame.Create(
                Enumerable.Range(0, 17_001 + 97 * i).Select(b => (byte)(b * 7 + i)).ToArray(), MediaKind.Video, MediaFrameKind.Coded, i * 40,
                videoCodec: VideoCodec.H264)).ToArray();
            var expected = new List<byte>();
            foreach (var frame in frames)
            {
                var shared = frame.GetOrAddEncoding(key, RtmpMediaChunks.MaxLength(frame, 4096), RtmpMediaChunks.Shared);
                output.Write(shared, frame);
                expected.AddRange(shared.ToArray());
            }
            other.Write(new byte[] { 42 });

            ValueTask<FlushResult> flush, otherFlush;
            var ring = SendRing.Begin();
            try
            {
                flush = output.FlushAsync();
                otherFlush = other.FlushAsync();
            }
            finally
            {
                SendRing.End(ring);
            }
            foreach (var frame in frames)
            {
                frame.Release();
            }

            // The kernel took only the first part of 300 KB: the rest waits for the peer, the other peer is done.
            Assert.False(flush.IsCompleted);
            Assert.True(otherFlush.IsCompleted);
            Assert.Equal(new byte[] { 42 }, await RtmpSocketOutputTests.ReceiveAsync(otherClient, 1));
            var received = await RtmpSocketOutputTests.ReceiveAsync(client, expected.Count);
            var result = await flush.AsTask().WaitAsync(TimeSpan.FromSeconds(10));

            Assert.False(result.IsCanceled || result.IsCompleted);
            Assert.Equal(expected.ToArray(), received);
            Assert.Equal(0, client.Available);
            Assert.Equal(1, output.RingSends);
            Assert.All(frames, frame => Assert.Throws<InvalidOperationException>(() => frame.Retain()));
        }
    }

    [Fact]
    public async Task A_peer_that_has_gone_fails_its_own_ring_send_and_the_others_go_out()
    {
        if (!RingsHere)
        {
            return;
        }
        var (gone, goneClient) = await RtmpSocketOutputTests.ConnectedPairAsync();
        var (server, client) = await RtmpSocketOutputTests.ConnectedPairAsync();
        using (gone)
        using (server)
        using (client)
        {
            goneClient.LingerState = new LingerOption(true, 0); // closing resets the connection
            goneClient.Close();
            await Task.Delay(50);
            var lost = new RtmpSocketOutput(gone);
            var kept = new RtmpSocketOutput(server);
            FlushResult lostResult = default;
            for (var i = 0; i < 8 && !lostResult.IsCompleted; i++)
            {
                lost.Write(new byte[100]);
                kept.Write(new[] { (byte)i });
                ValueTask<FlushResult> lostFlush, keptFlush;
                var ring = SendRing.Begin();
                try
                {
                    lostFlush = lost.FlushAsync();
                    keptFlush = kept.FlushAsync();
                }
                finally
                {
                    SendRing.End(ring);
                }
                lostResult = await lostFlush.AsTask().WaitAsync(TimeSpan.FromSeconds(10));
                Assert.False((await keptFlush).IsCompleted);
                Assert.Equal(new[] { (byte)i }, await RtmpSocketOutputTests.ReceiveAsync(client, 1));
            }
            Assert.True(lostResult.IsCompleted);
        }
    }

    [Fact]
    public void A_thread_already_sending_to_a_ring_does_not_take_a_second_one()
    {
        if (!RingsHere)
        {
            return;
        }
        var ring = SendRing.Begin();
        try
        {
            Assert.Same(ring, SendRing.Current);
            Assert.Null(SendRing.Begin());
        }
        finally
        {
            SendRing.End(ring);
        }
        Assert.Null(SendRing.Current);
    }
}
