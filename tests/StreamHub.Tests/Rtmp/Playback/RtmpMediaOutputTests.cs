using System.Buffers;
using System.Net.Sockets;
using StreamHub.Hosting;
using StreamHub.Media;
using StreamHub.Rtmp.Playback;
using StreamHub.Tests.Hosting;

namespace StreamHub.Tests.Rtmp.Playback;

/// <summary>A player's frame writer when it takes over the queue's reference to a frame: every frame is released
/// exactly once, whether it went to the socket by reference, was copied into a pipe, or was skipped.</summary>
public sealed class RtmpMediaOutputTests
{
    [Fact]
    public void A_frame_taken_over_and_copied_into_a_pipe_or_skipped_is_released_at_once()
    {
        var output = new RtmpMediaOutput();
        var pipe = new ArrayBufferWriter<byte>();
        var copied = MediaFrame.Create(new byte[3000], MediaKind.Video, MediaFrameKind.Coded, 40, isKeyframe: true, videoCodec: VideoCodec.H264);
        var skipped = MediaFrame.Create(new byte[100], MediaKind.Video, MediaFrameKind.Coded, 40, videoCodec: VideoCodec.H264, trackId: 1);

        var written = output.WriteTaking(pipe, copied, 4096, 1);
        Assert.Equal(0, output.WriteTaking(pipe, skipped, 4096, 1));

        Assert.Equal(pipe.WrittenCount, written);
        Assert.True(written > 3000);
        Assert.Throws<InvalidOperationException>(() => copied.Retain());
        Assert.Throws<InvalidOperationException>(() => skipped.Retain());
    }

    [Fact]
    public async Task A_frame_taken_over_by_a_socket_output_is_held_until_its_send_and_then_released_once()
    {
        var (server, client) = await RtmpSocketOutputTests.ConnectedPairAsync();
        using var serverSocket = server;
        using var clientSocket = client;
        var socketOutput = new RtmpSocketOutput(server);
        var output = new RtmpMediaOutput();
        var frame = MediaFrame.Create(new byte[3000], MediaKind.Video, MediaFrameKind.Coded, 40, isKeyframe: true, videoCodec: VideoCodec.H264);
        frame.Retain(); // the test's own reference: it tells whether the output's was let go, and only once

        var written = output.WriteTaking(socketOutput, frame, 4096, 1);
        Assert.Equal(1, socketOutput.QueuedBuffers);
        Assert.False((await socketOutput.FlushAsync()).IsCompleted);

        frame.Release(); // the test's: the last one, if the output let go of its own exactly once
        Assert.Throws<InvalidOperationException>(() => frame.Retain());
        var received = 0;
        var buffer = new byte[written];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (received < written)
        {
            received += await client.ReceiveAsync(buffer.AsMemory(received), SocketFlags.None, timeout.Token);
        }
        Assert.Equal(written, received);
    }
}
