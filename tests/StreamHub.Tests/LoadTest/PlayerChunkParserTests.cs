using System.Buffers;
using StreamHub.LoadTest;
using StreamHub.Rtmp.Chunking;
using StreamHub.Rtmp.Messages;

namespace StreamHub.Tests.LoadTest;

/// <summary>The load-test player's chunk parser: media skipped but timed right (fmt 0–3, deltas, extended
/// timestamps), control and command messages reassembled, headers split across reads kept for the next read, and a
/// peer's oversized lengths refused.</summary>
public sealed class PlayerChunkParserTests
{
    private sealed class RecordingSink : IPlayerMessageSink
    {
        public List<(byte Type, uint Timestamp, int Length, byte[]? Payload)> Messages { get; } = [];

        public void OnSkippedMessage(byte type, uint timestamp, int length) => Messages.Add((type, timestamp, length, null));

        public void OnMessage(byte type, uint timestamp, ReadOnlySpan<byte> payload) =>
            Messages.Add((type, timestamp, payload.Length, payload.ToArray()));
    }

    private static byte[] Fill(int length, byte seed) => Enumerable.Range(0, length).Select(i => (byte)(seed + i)).ToArray();

    private static byte[] Chunked(int chunkStream, uint timestamp, RtmpMessageType type, byte[] payload, int chunkSize)
    {
        var output = new ArrayBufferWriter<byte>();
        ChunkWriter.WriteMessage(output, chunkStream, timestamp, type, 1, payload, chunkSize);
        return output.WrittenSpan.ToArray();
    }

    /// <summary>Feeds <paramref name="bytes"/> in reads cut at <paramref name="cuts"/>, keeping what the parser did not
    /// consume at the front of the next read, as the player's receive loop does.</summary>
    private static RecordingSink Feed(byte[] bytes, params int[] cuts)
    {
        var sink = new RecordingSink();
        using var parser = new PlayerChunkParser(sink);
        var pending = new List<byte>();
        var start = 0;
        foreach (var end in cuts.Append(bytes.Length))
        {
            pending.AddRange(bytes[start..end]);
            start = end;
            var consumed = parser.Parse(pending.ToArray());
            pending.RemoveRange(0, consumed);
        }
        Assert.Empty(pending);
        return sink;
    }

    [Fact]
    public void Set_chunk_size_then_media_and_a_command_split_at_every_byte()
    {
        var setChunkSize = Chunked(2, 0, RtmpMessageType.SetChunkSize, [0, 0, 0x10, 0], 128);
        var video = Chunked(6, 1234, RtmpMessageType.Video, Fill(10_000, 1), 4096);
        var command = Fill(300, 7);
        var commandChunks = Chunked(3, 0, RtmpMessageType.Amf0Command, command, 4096);
        byte[] all = [.. setChunkSize, .. video, .. commandChunks];

        for (var cut = 0; cut <= all.Length; cut++)
        {
            var messages = Feed(all, cut).Messages;
            Assert.Equal(3, messages.Count);
            Assert.Equal(((byte)RtmpMessageType.Video, 1234u, 10_000), (messages[1].Type, messages[1].Timestamp, messages[1].Length));
            Assert.Null(messages[1].Payload);
            Assert.Equal(command, messages[2].Payload);
        }
    }

    /// <summary>RTMP 1.0 §5.3.2.1: fmt 0 at 1000, fmt 2 with delta 20, then fmt 3 new messages adding the delta again;
    /// then fmt 1 with a new length and type.</summary>
    [Fact]
    public void Deltas_of_format_1_2_and_3_accumulate()
    {
        byte[] bytes =
        [
            0x03, 0x00, 0x03, 0xE8, 0x00, 0x00, 0x20, 0x08, 0x39, 0x30, 0x00, 0x00, .. Fill(32, 0),
            0x83, 0x00, 0x00, 0x14, .. Fill(32, 32),
            0xC3, .. Fill(32, 64),
            0x43, 0x00, 0x00, 0x21, 0x00, 0x00, 0x05, 0x09, .. Fill(5, 0),
            0xC3, .. Fill(5, 0),
        ];

        var messages = Feed(bytes).Messages;

        Assert.Equal([(8, 1000u, 32), (8, 1020u, 32), (8, 1040u, 32), (9, 1073u, 5), (9, 1106u, 5)],
            messages.Select(m => ((int)m.Type, m.Timestamp, m.Length)));
    }

    /// <summary>A timestamp past 0xFFFFFF: the extended field follows the fmt 0 header and every fmt 3 continuation
    /// (§5.3.1.3), and the message after it still parses.</summary>
    [Fact]
    public void Extended_timestamps_are_read_on_the_first_chunk_and_every_continuation()
    {
        var video = Chunked(6, 0x01020304, RtmpMessageType.Video, Fill(300, 0), 128);
        var audio = Chunked(4, 5, RtmpMessageType.Audio, Fill(10, 0), 128);
        byte[] all = [.. video, .. audio];

        for (var cut = 0; cut <= all.Length; cut++)
        {
            var messages = Feed(all, cut).Messages;
            Assert.Equal([(9, 0x01020304u, 300), (8, 5u, 10)], messages.Select(m => ((int)m.Type, m.Timestamp, m.Length)));
        }
    }

    [Fact]
    public void An_oversized_message_or_chunk_stream_is_refused()
    {
        using var parser = new PlayerChunkParser(new RecordingSink());
        byte[] huge = [0x06, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0x09, 1, 0, 0, 0];
        Assert.Throws<InvalidDataException>(() => parser.Parse(huge));

        using var second = new PlayerChunkParser(new RecordingSink());
        byte[] farStream = [0x01, 0xFF, 0xFF, 0, 0, 0, 0, 0, 1, 0x09, 1, 0, 0, 0];
        Assert.Throws<InvalidDataException>(() => second.Parse(farStream));

        using var third = new PlayerChunkParser(new RecordingSink());
        byte[] bigCommand = [0x03, 0, 0, 0, 0x02, 0, 0, 0x14, 0, 0, 0, 0];
        Assert.Throws<InvalidDataException>(() => third.Parse(bigCommand));
    }
}
