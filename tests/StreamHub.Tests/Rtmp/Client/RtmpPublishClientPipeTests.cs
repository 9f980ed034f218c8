using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using StreamHub.Rtmp;
using StreamHub.Rtmp.Chunking;
using StreamHub.Rtmp.Client;
using StreamHub.Rtmp.Messages;
using StreamHub.Tests.Infrastructure;

namespace StreamHub.Tests.Rtmp.Client;

/// <summary><see cref="RtmpPublishClient"/> over in-memory pipes with a scripted server: what it does with the
/// server's control messages, the limits it keeps, and the order it insists on.</summary>
public sealed class RtmpPublishClientPipeTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Server_chunk_size_is_applied_pings_are_answered_and_the_window_is_acknowledged()
    {
        var toClient = new Pipe();
        var toServer = new Pipe();
        await using var client = new RtmpPublishClient(new TestDuplexPipe(toClient.Reader, toServer.Writer));
        var server = new ArrayBufferWriter<byte>();
        ControlMessageWriter.WriteWindowAcknowledgementSize(server, 1000, ChunkReader.DefaultChunkSize);
        ControlMessageWriter.WriteUserControl(server, UserControlEvent.PingRequest, 0x12345678, ChunkReader.DefaultChunkSize);
        ControlMessageWriter.WriteSetChunkSize(server, 4096, ChunkReader.DefaultChunkSize);
        var data = Enumerable.Range(0, 3000).Select(i => (byte)i).ToArray();
        // One 4096-byte chunk: read at the default 128 it would be garbage.
        ChunkWriter.WriteMessage(server, 5, 0, RtmpMessageType.Amf0Data, 1, data, 4096);
        await toClient.Writer.WriteAsync(server.WrittenMemory);

        using var cts = new CancellationTokenSource(Wait);
        var types = new List<RtmpMessageType>();
        byte[]? received = null;
        for (var i = 0; i < 4; i++)
        {
            var message = (await client.ReadMessageAsync(cts.Token))!.Value;
            types.Add(message.Type);
            received = message.Payload.ToArray();
        }

        Assert.Equal([RtmpMessageType.WindowAcknowledgementSize, RtmpMessageType.UserControl, RtmpMessageType.SetChunkSize, RtmpMessageType.Amf0Data], types);
        Assert.Equal(data, received);
        var answers = await ReadMessagesAsync(toServer.Reader, 2, cts.Token);
        var pong = Assert.Single(answers, m => m.Type == RtmpMessageType.UserControl);
        Assert.Equal((ushort)UserControlEvent.PingResponse, BinaryPrimitives.ReadUInt16BigEndian(pong.Payload));
        Assert.Equal(0x12345678u, BinaryPrimitives.ReadUInt32BigEndian(pong.Payload.AsSpan(2)));
        // Acknowledged once the 1000-byte window filled, with every byte received so far.
        var acknowledgement = Assert.Single(answers, m => m.Type == RtmpMessageType.Acknowledgement);
        Assert.Equal((uint)server.WrittenCount, BinaryPrimitives.ReadUInt32BigEndian(acknowledgement.Payload));
    }

    [Fact]
    public async Task A_message_length_above_the_limit_is_refused_before_its_payload()
    {
        var toClient = new Pipe();
        var toServer = new Pipe();
        await using var client = new RtmpPublishClient(new TestDuplexPipe(toClient.Reader, toServer.Writer),
            new RtmpClientOptions { MaxMessageSize = 64 * 1024 });
        // fmt 0, csid 3, length 0xFFFFFF, type 20: the header alone.
        await toClient.Writer.WriteAsync(new byte[] { 0x03, 0, 0, 0, 0xFF, 0xFF, 0xFF, 20, 0, 0, 0, 0 });
        using var cts = new CancellationTokenSource(Wait);

        var violation = await Assert.ThrowsAsync<RtmpClientException>(async () => await client.ReadMessageAsync(cts.Token));

        Assert.Equal(RtmpClientError.ProtocolViolation, violation.Error);
        Assert.Equal(RtmpError.MessageTooLarge, Assert.IsType<RtmpProtocolException>(violation.InnerException).Error);
    }

    [Fact]
    public async Task Steps_out_of_order_are_refused_before_anything_is_sent()
    {
        var toClient = new Pipe();
        var toServer = new Pipe();
        await using var client = new RtmpPublishClient(new TestDuplexPipe(toClient.Reader, toServer.Writer));

        await Assert.ThrowsAsync<InvalidOperationException>(() => client.ConnectAppAsync("live", "rtmp://127.0.0.1/live"));
        await Assert.ThrowsAsync<InvalidOperationException>(() => client.PublishAsync("key"));
        await Assert.ThrowsAsync<InvalidOperationException>(() => client.SetChunkSizeAsync(4096));
        await Assert.ThrowsAsync<InvalidOperationException>(async () => await client.WriteVideoAsync(0, new byte[] { 0x17, 1 }));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => client.SetChunkSizeAsync(0));

        await toServer.Writer.CompleteAsync();
        var sent = await toServer.Reader.ReadAsync();
        Assert.True(sent.Buffer.IsEmpty);
    }

    /// <summary>Reads <paramref name="count"/> messages the client sent, payloads copied.</summary>
    private static async Task<List<ReceivedMessage>> ReadMessagesAsync(PipeReader input, int count, CancellationToken cancellationToken)
    {
        using var chunks = new ChunkReader(1024 * 1024, 0xFFFFFF, 64);
        var messages = new List<ReceivedMessage>();
        while (messages.Count < count)
        {
            var result = await input.ReadAsync(cancellationToken);
            var buffer = result.Buffer;
            while (messages.Count < count && chunks.TryRead(ref buffer, out var message))
            {
                messages.Add(new ReceivedMessage(message.Type, message.StreamId, message.Timestamp, message.Payload.ToArray()));
            }
            input.AdvanceTo(buffer.Start, buffer.End);
            Assert.False(result.IsCompleted && messages.Count < count, "the client stopped sending");
        }
        return messages;
    }
}
