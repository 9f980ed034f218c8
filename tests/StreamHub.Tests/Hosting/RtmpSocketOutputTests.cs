using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using StreamHub.Hosting;
using StreamHub.Media;
using StreamHub.Rtmp.Playback;

namespace StreamHub.Tests.Hosting;

/// <summary>The RTMP port's own output, over a real loopback socket: what is written goes out in order in one
/// gathered send, media by reference to the frame's shared chunks, each frame held exactly until its send is done.</summary>
public sealed class RtmpSocketOutputTests
{
    [Fact]
    public async Task A_flush_sends_control_bytes_and_shared_chunks_in_the_order_written_and_then_lets_the_frame_go()
    {
        var (server, client) = await ConnectedPairAsync();
        using (server)
        using (client)
        {
            var output = new RtmpSocketOutput(server);
            var frame = MediaFrame.Create(Enumerable.Range(0, 5000).Select(i => (byte)i).ToArray(), MediaKind.Video, MediaFrameKind.Coded, 40,
                isKeyframe: true, videoCodec: VideoCodec.H264);
            var shared = frame.GetOrAddEncoding(RtmpMediaChunks.SharedKey(4096, 1), RtmpMediaChunks.MaxLength(frame, 4096), RtmpMediaChunks.Shared);

            output.Write(new byte[] { 1, 2, 3 });
            output.Write(shared, frame);
            output.Write(new byte[] { 4, 5 });
            frame.Release(); // the publisher's reference: the output's own keeps the chunks alive until they are sent
            Assert.Equal(3 + shared.Length + 2, output.UnflushedBytes);
            Assert.Equal(2, output.QueuedBuffers); // the trailing control bytes join the list at the flush

            var flushed = await output.FlushAsync();

            Assert.False(flushed.IsCanceled || flushed.IsCompleted);
            Assert.Equal(0, output.QueuedBuffers);
            byte[] expected = [1, 2, 3, .. shared.Span, 4, 5];
            Assert.Equal(expected, await ReceiveAsync(client, expected.Length));
            Assert.Throws<InvalidOperationException>(() => frame.Retain()); // released by the output after the send
        }
    }

    [Fact]
    public async Task Steady_flushes_of_shared_frames_and_control_bytes_allocate_nothing()
    {
        var (server, client) = await ConnectedPairAsync();
        using (server)
        using (client)
        {
            var output = new RtmpSocketOutput(server);
            var frames = Enumerable.Range(0, 64).Select(i => MediaFrame.Create(new byte[200 + i], MediaKind.Video, MediaFrameKind.Coded, i * 40,
                videoCodec: VideoCodec.H264)).ToArray();
            var key = RtmpMediaChunks.SharedKey(4096, 1);
            var encodings = frames.Select(f => f.GetOrAddEncoding(key, RtmpMediaChunks.MaxLength(f, 4096), RtmpMediaChunks.Shared)).ToArray();
            var draining = true;
            long received = 0;
            var drainer = new Thread(() =>
            {
                var buffer = new byte[64 * 1024];
                while (Volatile.Read(ref draining))
                {
                    try
                    {
                        var n = client.Receive(buffer);
                        if (n == 0)
                        {
                            break;
                        }
                        Interlocked.Add(ref received, n);
                    }
                    catch (SocketException)
                    {
                        break;
                    }
                }
            }) { IsBackground = true };
            drainer.Start();

            void Round()
            {
                for (var i = 0; i < frames.Length; i++)
                {
                    var span = output.GetSpan(16);
                    span[..12].Fill((byte)i);
                    output.Advance(12);
                    output.Write(encodings[i], frames[i]);
                    var flush = output.FlushAsync();
                    // The peer reads all the while: a send that must wait would complete on the socket's thread.
                    var result = flush.IsCompleted ? flush.Result : flush.AsTask().GetAwaiter().GetResult();
                    Assert.False(result.IsCompleted);
                }
            }

            Round();
            var before = GC.GetAllocatedBytesForCurrentThread();
            for (var round = 0; round < 20; round++)
            {
                Round();
            }
            var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

            // Small frames: everything fits in the loopback socket's buffers even if the drainer is slow to run.
            var expected = 21L * (frames.Length * 12 + encodings.Sum(e => (long)e.Length));
            var deadline = DateTime.UtcNow.AddSeconds(10);
            while (Interlocked.Read(ref received) < expected && DateTime.UtcNow < deadline)
            {
                await Task.Delay(10);
            }
            Volatile.Write(ref draining, false);
            client.Shutdown(SocketShutdown.Both);
            drainer.Join(TimeSpan.FromSeconds(5));
            Assert.Equal(expected, Interlocked.Read(ref received));
            // 1280 flushes: one object each would be tens of kilobytes.
            Assert.True(allocated < 1024, $"{allocated} bytes allocated for 1280 flushes");
            foreach (var frame in frames)
            {
                frame.Release();
            }
        }
    }

    [Fact]
    public async Task A_batch_the_kernel_takes_only_part_of_goes_out_whole_and_in_order_once_the_peer_reads()
    {
        var (server, client) = await ConnectedPairAsync(smallBuffers: true);
        using (server)
        using (client)
        {
            var output = new RtmpSocketOutput(server);
            var key = RtmpMediaChunks.SharedKey(4096, 1);
            // Lengths that are no multiple of anything the kernel takes: the send stops inside a buffer, not between two.
            var frames = Enumerable.Range(0, 24).Select(i => MediaFrame.Create(
                Enumerable.Range(0, 17_001 + 97 * i).Select(b => (byte)(b * 7 + i)).ToArray(), MediaKind.Video, MediaFrameKind.Coded, i * 40,
                videoCodec: VideoCodec.H264)).ToArray();
            var expected = new List<byte>();
            for (var i = 0; i < frames.Length; i++)
            {
                byte[] control = [(byte)i, (byte)(i + 1), (byte)(i + 2)];
                output.Write(control);
                expected.AddRange(control);
                var shared = frames[i].GetOrAddEncoding(key, RtmpMediaChunks.MaxLength(frames[i], 4096), RtmpMediaChunks.Shared);
                output.Write(shared, frames[i]);
                expected.AddRange(shared.ToArray());
                frames[i].Release();
            }

            // The client reads nothing yet: the kernel takes only the first part of the 450 KB batch.
            var flush = output.FlushAsync();
            Assert.False(flush.IsCompleted);
            frames[^1].Retain().Release(); // the rest is still held by the waiting send

            var received = await ReceiveAsync(client, expected.Count);
            var result = await flush.AsTask().WaitAsync(TimeSpan.FromSeconds(10));

            Assert.False(result.IsCanceled || result.IsCompleted);
            Assert.Equal(expected.ToArray(), received);
            Assert.All(frames, frame => Assert.Throws<InvalidOperationException>(() => frame.Retain()));
            // Nothing more than the batch came: the part the kernel took at once was not sent a second time.
            Assert.Equal(0, client.Available);
            // On Linux the first, partial send was the direct sendmsg, and the rest went by the asynchronous send.
            Assert.Equal(OperatingSystem.IsLinux() ? 1 : 0, output.DirectSends);
        }
    }

    [Fact]
    public async Task On_linux_pinned_buffers_go_straight_to_sendmsg_and_a_frame_sent_from_other_memory_takes_the_runtimes_send()
    {
        var (server, client) = await ConnectedPairAsync();
        using (server)
        using (client)
        {
            var output = new RtmpSocketOutput(server);
            var frame = MediaFrame.Create(Enumerable.Range(0, 9000).Select(i => (byte)(i * 3)).ToArray(), MediaKind.Video, MediaFrameKind.Coded, 0,
                videoCodec: VideoCodec.H264);
            var shared = frame.GetOrAddEncoding(RtmpMediaChunks.SharedKey(4096, 1), RtmpMediaChunks.MaxLength(frame, 4096), RtmpMediaChunks.Shared);
            var copy = shared.ToArray(); // the same bytes, in an ordinary (movable) array

            output.Write(new byte[] { 7, 8 });
            output.Write(shared, frame);
            Assert.False((await output.FlushAsync()).IsCompleted);
            Assert.Equal(OperatingSystem.IsLinux() ? 1 : 0, output.DirectSends);

            output.Write(new byte[] { 9 });
            output.Write(copy, frame);
            Assert.False((await output.FlushAsync()).IsCompleted);
            Assert.Equal(OperatingSystem.IsLinux() ? 1 : 0, output.DirectSends);

            // Pinned again once the unpinned buffer has gone out.
            output.Write(shared, frame);
            Assert.False((await output.FlushAsync()).IsCompleted);
            Assert.Equal(OperatingSystem.IsLinux() ? 2 : 0, output.DirectSends);

            byte[] expected = [7, 8, .. copy, 9, .. copy, .. copy];
            Assert.Equal(expected, await ReceiveAsync(client, expected.Length));
            frame.Release();
            Assert.Throws<InvalidOperationException>(() => frame.Retain());
        }
    }

    [Fact]
    public async Task A_direct_send_to_a_peer_that_has_gone_reports_the_output_completed()
    {
        var (server, client) = await ConnectedPairAsync();
        using (server)
        {
            var output = new RtmpSocketOutput(server);
            client.LingerState = new LingerOption(true, 0); // closing resets the connection
            client.Close();
            await Task.Delay(50);
            FlushResult result = default;
            for (var i = 0; i < 8 && !result.IsCompleted; i++)
            {
                output.Write(new byte[100]);
                result = await output.FlushAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));
            }
            Assert.True(result.IsCompleted);
            Assert.Equal(OperatingSystem.IsLinux() ? 1 : 0, output.DirectSends);
        }
    }

    [Fact]
    public async Task A_flush_the_peer_never_takes_ends_cancelled_when_asked_and_lets_its_frames_go()
    {
        var (server, client) = await ConnectedPairAsync(smallBuffers: true);
        using (server)
        using (client)
        {
            var output = new RtmpSocketOutput(server);
            var frame = MediaFrame.Create(new byte[256 * 1024], MediaKind.Video, MediaFrameKind.Coded, 0, videoCodec: VideoCodec.H264);
            var shared = frame.GetOrAddEncoding(RtmpMediaChunks.SharedKey(4096, 1), RtmpMediaChunks.MaxLength(frame, 4096), RtmpMediaChunks.Shared);
            ValueTask<FlushResult> flush = default;
            // The client reads nothing: sooner or later a send has to wait for it.
            for (var i = 0; i < 64; i++)
            {
                output.Write(shared, frame);
                flush = output.FlushAsync();
                if (!flush.IsCompleted)
                {
                    break;
                }
            }
            Assert.False(flush.IsCompleted);
            frame.Release();
            frame.Retain().Release(); // still held by the waiting send

            output.CancelPendingFlush();
            var result = await flush.AsTask().WaitAsync(TimeSpan.FromSeconds(10));

            Assert.True(result.IsCanceled);
            Assert.Throws<InvalidOperationException>(() => frame.Retain());
            // The connection is done for: later flushes say so rather than send.
            output.Write(new byte[] { 1 });
            Assert.True((await output.FlushAsync()).IsCompleted);
        }
    }

    /// <summary>A loopback connection; with <paramref name="smallBuffers"/>, socket buffers small enough that a
    /// peer which does not read soon makes a send wait.</summary>
    internal static async Task<(Socket Server, Socket Client)> ConnectedPairAsync(bool smallBuffers = false)
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        var accept = listener.AcceptAsync();
        await client.ConnectAsync(listener.LocalEndPoint!);
        var server = await accept;
        if (smallBuffers)
        {
            server.SendBufferSize = 16 * 1024;
            client.ReceiveBufferSize = 16 * 1024;
        }
        return (server, client);
    }

    internal static async Task<byte[]> ReceiveAsync(Socket socket, int length)
    {
        var buffer = new byte[length];
        var at = 0;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (at < length)
        {
            var n = await socket.ReceiveAsync(buffer.AsMemory(at), SocketFlags.None, timeout.Token);
            Assert.NotEqual(0, n);
            at += n;
        }
        return buffer;
    }
}
