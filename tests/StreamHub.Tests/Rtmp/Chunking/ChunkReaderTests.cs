using System.Buffers;
using StreamHub.Rtmp;
using StreamHub.Rtmp.Chunking;
using StreamHub.Rtmp.Messages;
using StreamHub.Tests.Infrastructure;

namespace StreamHub.Tests.Rtmp.Chunking;

public sealed class ChunkReaderTests
{
    private static ChunkReader NewReader(int maxMessage = 1024 * 1024, int maxStreams = 64) => new(maxMessage, 0xFFFFFF, maxStreams);

    private static byte[] Fill(int length, byte seed) => Enumerable.Range(0, length).Select(i => (byte)(seed + i)).ToArray();

    /// <summary>RTMP 1.0 §5.3.2.1 example 1: four 32-byte audio messages on csid 3, msid 12345, timestamps 1000 + 20n:
    /// one fmt 0 chunk, one fmt 2 (delta 20), two fmt 3.</summary>
    private static byte[] SpecExample1() =>
    [
        0x03, 0x00, 0x03, 0xE8, 0x00, 0x00, 0x20, 0x08, 0x39, 0x30, 0x00, 0x00, .. Fill(32, 0),
        0x83, 0x00, 0x00, 0x14, .. Fill(32, 32),
        0xC3, .. Fill(32, 64),
        0xC3, .. Fill(32, 96),
    ];

    /// <summary>RTMP 1.0 §5.3.2.2 example 2: a 307-byte video message on csid 4 split at chunk size 128.</summary>
    private static byte[] SpecExample2() =>
    [
        0x04, 0x00, 0x03, 0xE8, 0x00, 0x01, 0x33, 0x09, 0x3A, 0x30, 0x00, 0x00, .. Fill(128, 0),
        0xC4, .. Fill(128, 128),
        0xC4, .. Fill(51, 0),
    ];

    private static List<(RtmpMessage Message, byte[] Payload)> ReadAll(ChunkReader reader, ReadOnlySequence<byte> buffer)
    {
        var messages = new List<(RtmpMessage, byte[])>();
        while (reader.TryRead(ref buffer, out var message))
        {
            messages.Add((message, message.Payload.ToArray()));
        }
        Assert.Equal(0, buffer.Length);
        return messages;
    }

    [Fact]
    public void Spec_example_1_yields_four_messages_with_inherited_headers_and_deltas()
    {
        using var reader = NewReader();
        var messages = ReadAll(reader, new ReadOnlySequence<byte>(SpecExample1()));

        Assert.Equal([1000u, 1020u, 1040u, 1060u], messages.Select(m => m.Message.Timestamp));
        Assert.Equal([1000L, 1020L, 1040L, 1060L], messages.Select(m => m.Message.Clock));
        Assert.All(messages, m => Assert.Equal(12345u, m.Message.StreamId));
        Assert.All(messages, m => Assert.Equal(RtmpMessageType.Audio, m.Message.Type));
        Assert.All(messages, m => Assert.Equal(3, m.Message.ChunkStreamId));
        Assert.Equal(Fill(32, 64), messages[2].Payload);
    }

    [Fact]
    public void Spec_example_2_reassembles_a_message_from_three_chunks()
    {
        using var reader = NewReader();
        var messages = ReadAll(reader, new ReadOnlySequence<byte>(SpecExample2()));

        var (message, payload) = Assert.Single(messages);
        Assert.Equal(307, payload.Length);
        Assert.Equal(12346u, message.StreamId);
        Assert.Equal(RtmpMessageType.Video, message.Type);
        Assert.Equal(Fill(128, 0).Concat(Fill(128, 128)).Concat(Fill(51, 0)), payload);
    }

    [Fact]
    public void Every_truncated_chunk_returns_false_and_consumes_nothing()
    {
        var first = SpecExample1()[..44];
        for (var length = 0; length < first.Length; length++)
        {
            using var reader = NewReader();
            var buffer = new ReadOnlySequence<byte>(first, 0, length);
            Assert.False(reader.TryRead(ref buffer, out _));
            Assert.Equal(length, buffer.Length);
        }
    }

    [Fact]
    public void Truncated_continuation_keeps_earlier_chunks_and_leaves_the_partial_one()
    {
        var bytes = SpecExample2();
        using var reader = NewReader();
        var buffer = new ReadOnlySequence<byte>(bytes, 0, 12 + 128 + 1 + 60);
        Assert.False(reader.TryRead(ref buffer, out _));
        Assert.Equal(1 + 60, buffer.Length); // the first chunk is in the reassembly buffer, the second untouched
        var rest = new ReadOnlySequence<byte>(bytes, 12 + 128, bytes.Length - 140);
        Assert.True(reader.TryRead(ref rest, out var message));
        Assert.Equal(307, message.Payload.Length);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(13)]
    [InlineData(100)]
    public void Input_split_across_segments_gives_the_same_messages(int segmentSize)
    {
        var bytes = SpecExample1().Concat(SpecExample2()).ToArray();
        using var whole = NewReader();
        var expected = ReadAll(whole, new ReadOnlySequence<byte>(bytes));
        using var split = NewReader();
        var actual = ReadAll(split, TestSequenceSegment.Split(bytes, segmentSize));

        Assert.Equal(expected.Select(m => m.Payload), actual.Select(m => m.Payload));
        Assert.Equal(expected.Select(m => m.Message.Timestamp), actual.Select(m => m.Message.Timestamp));
    }

    [Fact]
    public void Every_two_segment_split_of_example_2_reads_the_same()
    {
        var bytes = SpecExample2();
        for (var at = 1; at < bytes.Length; at++)
        {
            using var reader = NewReader();
            var buffer = TestSequenceSegment.SplitAt(bytes, at);
            Assert.True(reader.TryRead(ref buffer, out var message));
            Assert.Equal(307, message.Payload.Length);
        }
    }

    [Theory]
    [InlineData(new byte[] { 0x05 }, 5)]
    [InlineData(new byte[] { 0x3F }, 63)]
    [InlineData(new byte[] { 0x00, 0x00 }, 64)]
    [InlineData(new byte[] { 0x00, 0xFF }, 319)]
    [InlineData(new byte[] { 0x01, 0x00, 0x01 }, 320)]
    [InlineData(new byte[] { 0x01, 0xFF, 0xFF }, 65599)]
    public void Basic_header_forms_decode_the_chunk_stream_id(byte[] basicHeader, int chunkStreamId)
    {
        byte[] bytes = [.. basicHeader, 0, 0, 0, 0, 0, 1, 8, 0, 0, 0, 0, 0xAB];
        using var reader = NewReader();
        var buffer = new ReadOnlySequence<byte>(bytes);
        Assert.True(reader.TryRead(ref buffer, out var message));
        Assert.Equal(chunkStreamId, message.ChunkStreamId);
        Assert.Equal([0xAB], message.Payload.ToArray());
    }

    [Fact]
    public void Extended_timestamp_on_fmt0_and_repeated_on_fmt3_continuations()
    {
        // fmt 0, csid 6, ts field 0xFFFFFF, 200 bytes, extended 0x01000000; fmt 3 continuation repeats it.
        byte[] bytes =
        [
            0x06, 0xFF, 0xFF, 0xFF, 0x00, 0x00, 0xC8, 0x09, 0x01, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, .. Fill(128, 0),
            0xC6, 0x01, 0x00, 0x00, 0x00, .. Fill(72, 128),
        ];
        using var reader = NewReader();
        var (message, payload) = Assert.Single(ReadAll(reader, new ReadOnlySequence<byte>(bytes)));
        Assert.Equal(0x01000000u, message.Timestamp);
        Assert.Equal(Fill(200, 0), payload);
    }

    [Fact]
    public void Fmt3_continuation_without_the_extended_timestamp_is_read_as_payload()
    {
        byte[] bytes =
        [
            0x06, 0xFF, 0xFF, 0xFF, 0x00, 0x00, 0xC8, 0x09, 0x01, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, .. Fill(128, 0),
            0xC6, .. Fill(72, 128),
        ];
        using var reader = NewReader();
        var (message, payload) = Assert.Single(ReadAll(reader, new ReadOnlySequence<byte>(bytes)));
        Assert.Equal(0x01000000u, message.Timestamp);
        Assert.Equal(Fill(200, 0), payload);
    }

    [Fact]
    public void Fmt3_new_message_after_fmt0_reuses_the_fmt0_timestamp_as_delta_like_ffmpeg()
    {
        byte[] bytes =
        [
            0x06, 0x00, 0x00, 0x64, 0x00, 0x00, 0x01, 0x09, 0x01, 0x00, 0x00, 0x00, 0xAA,
            0xC6, 0xBB,
            0x86, 0x00, 0x00, 0x28, 0xCC,
            0xC6, 0xDD,
        ];
        using var reader = NewReader();
        var messages = ReadAll(reader, new ReadOnlySequence<byte>(bytes));
        Assert.Equal([100u, 200u, 240u, 280u], messages.Select(m => m.Message.Timestamp));
    }

    [Fact]
    public void Extended_delta_on_fmt1_is_added_to_the_previous_timestamp()
    {
        byte[] bytes =
        [
            0x06, 0x00, 0x00, 0x10, 0x00, 0x00, 0x01, 0x09, 0x01, 0x00, 0x00, 0x00, 0xAA,
            0x46, 0xFF, 0xFF, 0xFF, 0x00, 0x00, 0x01, 0x09, 0x01, 0x00, 0x00, 0x00, 0xBB,
        ];
        using var reader = NewReader();
        var messages = ReadAll(reader, new ReadOnlySequence<byte>(bytes));
        Assert.Equal([0x10u, 0x01000010u], messages.Select(m => m.Message.Timestamp));
    }

    [Fact]
    public void Interleaved_chunk_streams_reassemble_independently()
    {
        byte[] bytes =
        [
            0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0xC8, 0x09, 0x01, 0x00, 0x00, 0x00, .. Fill(128, 0),
            0x05, 0x00, 0x00, 0x05, 0x00, 0x00, 0x03, 0x08, 0x01, 0x00, 0x00, 0x00, 0xA1, 0xA2, 0xA3,
            0xC4, .. Fill(72, 128),
        ];
        using var reader = NewReader();
        var messages = ReadAll(reader, new ReadOnlySequence<byte>(bytes));
        Assert.Equal([RtmpMessageType.Audio, RtmpMessageType.Video], messages.Select(m => m.Message.Type));
        Assert.Equal(Fill(200, 0), messages[1].Payload);
    }

    [Fact]
    public void Set_chunk_size_applies_to_following_chunks()
    {
        using var reader = NewReader();
        reader.SetChunkSize(4096);
        byte[] bytes = [0x04, 0, 0, 0, 0x00, 0x01, 0x33, 0x09, 0, 0, 0, 0, .. Fill(307, 0)];
        var buffer = new ReadOnlySequence<byte>(bytes);
        Assert.True(reader.TryRead(ref buffer, out var message));
        Assert.Equal(307, message.Payload.Length);
        reader.SetChunkSize(0x7FFFFFFF);
        Assert.Equal(0xFFFFFF, reader.ChunkSize);
    }

    [Fact]
    public void Abort_drops_the_partial_message()
    {
        using var reader = NewReader();
        var bytes = SpecExample2();
        var partial = new ReadOnlySequence<byte>(bytes, 0, 140);
        Assert.False(reader.TryRead(ref partial, out _));
        reader.Abort(4);
        byte[] next = [0x04, 0, 0, 0, 0, 0, 2, 8, 0, 0, 0, 0, 1, 2];
        var buffer = new ReadOnlySequence<byte>(next);
        Assert.True(reader.TryRead(ref buffer, out var message));
        Assert.Equal([1, 2], message.Payload.ToArray());
    }

    [Fact]
    public void Zero_length_message_completes_immediately()
    {
        using var reader = NewReader();
        var buffer = new ReadOnlySequence<byte>(new byte[] { 0x03, 0, 0, 0, 0, 0, 0, 0x14, 0, 0, 0, 0 });
        Assert.True(reader.TryRead(ref buffer, out var message));
        Assert.True(message.Payload.IsEmpty);
    }

    [Theory]
    [InlineData(0u)]
    [InlineData(0x80000000u)]
    [InlineData(0xFFFFFFFFu)]
    public void Invalid_chunk_size_raises_the_typed_error(uint size)
    {
        using var reader = NewReader();
        Assert.Equal(RtmpError.InvalidChunkSize, Assert.Throws<RtmpProtocolException>(() => reader.SetChunkSize(size)).Error);
    }

    [Fact]
    public void Chunk_size_above_the_configured_maximum_is_refused()
    {
        using var reader = new ChunkReader(1024 * 1024, 65536, 64);
        Assert.Equal(RtmpError.InvalidChunkSize, Assert.Throws<RtmpProtocolException>(() => reader.SetChunkSize(65537)).Error);
    }

    [Fact]
    public void Message_length_over_the_limit_is_refused_from_the_header_alone()
    {
        using var reader = NewReader(maxMessage: 1000);
        var buffer = new ReadOnlySequence<byte>(new byte[] { 0x06, 0, 0, 0, 0x00, 0x03, 0xE9, 9, 1, 0, 0, 0 });
        Assert.Equal(RtmpError.MessageTooLarge, Assert.Throws<RtmpProtocolException>(() => reader.TryRead(ref buffer, out _)).Error);
    }

    [Theory]
    [InlineData(RtmpMessageType.Amf0Command)]
    [InlineData(RtmpMessageType.Amf3Command)]
    [InlineData(RtmpMessageType.Amf0Data)]
    [InlineData(RtmpMessageType.Amf0SharedObject)]
    public void Commands_and_data_over_the_command_limit_are_refused_from_the_header_while_media_of_that_length_is_read(RtmpMessageType type)
    {
        using var reader = new ChunkReader(1024 * 1024, 0xFFFFFF, 64, maxCommandSize: 1000);
        // 1,001 bytes announced: over the command limit.
        var command = new ReadOnlySequence<byte>(new byte[] { 0x03, 0, 0, 0, 0x00, 0x03, 0xE9, (byte)type, 0, 0, 0, 0 });
        Assert.Equal(RtmpError.MessageTooLarge, Assert.Throws<RtmpProtocolException>(() => reader.TryRead(ref command, out _)).Error);

        using var media = new ChunkReader(1024 * 1024, 0xFFFFFF, 64, maxCommandSize: 1000);
        media.SetChunkSize(4096);
        var video = new ReadOnlySequence<byte>((byte[])[0x06, 0, 0, 0, 0x00, 0x03, 0xE9, 9, 1, 0, 0, 0, .. new byte[1001]]);
        Assert.True(media.TryRead(ref video, out var message));
        Assert.Equal(1001, message.Payload.Length);
    }

    [Fact]
    public void The_oldest_partial_message_is_stamped_with_the_time_its_first_chunk_was_read()
    {
        using var reader = NewReader();
        Assert.Equal(long.MaxValue, reader.OldestPartialMessageStart());
        // Two 200-byte messages (chunk size 128) on chunk streams 4 and 6, begun at 100 and 250.
        reader.Now = 100;
        var first = new ReadOnlySequence<byte>((byte[])[0x04, 0, 0, 0, 0, 0, 200, 8, 1, 0, 0, 0, .. new byte[128]]);
        Assert.False(reader.TryRead(ref first, out _));
        reader.Now = 250;
        var second = new ReadOnlySequence<byte>((byte[])[0x06, 0, 0, 0, 0, 0, 200, 9, 1, 0, 0, 0, .. new byte[128]]);
        Assert.False(reader.TryRead(ref second, out _));
        Assert.Equal(100, reader.OldestPartialMessageStart());

        reader.Now = 300;
        var rest = new ReadOnlySequence<byte>((byte[])[0xC4, .. new byte[72]]);
        Assert.True(reader.TryRead(ref rest, out _));
        Assert.Equal(250, reader.OldestPartialMessageStart());
        var last = new ReadOnlySequence<byte>((byte[])[0xC6, .. new byte[72]]);
        Assert.True(reader.TryRead(ref last, out _));
        Assert.Equal(long.MaxValue, reader.OldestPartialMessageStart());
    }

    [Fact]
    public void Media_is_held_to_the_media_limit_set_now_not_the_largest_allowed()
    {
        using var reader = new ChunkReader(1024 * 1024, 0xFFFFFF, 64, maxCommandSize: 1000) { MaxMediaMessageSize = 1000 };
        var video = new ReadOnlySequence<byte>(new byte[] { 0x06, 0, 0, 0, 0x00, 0x03, 0xE9, 9, 1, 0, 0, 0 });
        Assert.Equal(RtmpError.MessageTooLarge, Assert.Throws<RtmpProtocolException>(() => reader.TryRead(ref video, out _)).Error);

        using var raised = new ChunkReader(1024 * 1024, 0xFFFFFF, 64, maxCommandSize: 1000) { MaxMediaMessageSize = int.MaxValue };
        Assert.Equal(1024 * 1024, raised.MaxMediaMessageSize);
    }

    [Theory]
    [InlineData(0x86)]
    [InlineData(0xC6)]
    public void Fmt2_or_fmt3_on_a_fresh_chunk_stream_is_refused(byte first)
    {
        using var reader = NewReader();
        var buffer = new ReadOnlySequence<byte>(new byte[] { first, 0, 0, 1, 0xAA, 0xBB, 0xCC, 0xDD });
        Assert.Equal(RtmpError.MissingChunkHeader, Assert.Throws<RtmpProtocolException>(() => reader.TryRead(ref buffer, out _)).Error);
    }

    [Fact]
    public void More_chunk_streams_than_the_limit_are_refused()
    {
        using var reader = NewReader(maxStreams: 4);
        var bytes = new List<byte>();
        for (var csid = 2; csid < 7; csid++)
        {
            bytes.AddRange([(byte)csid, 0, 0, 0, 0, 0, 1, 8, 0, 0, 0, 0, 0xEE]);
        }
        var buffer = new ReadOnlySequence<byte>(bytes.ToArray());
        for (var i = 0; i < 4; i++)
        {
            Assert.True(reader.TryRead(ref buffer, out _));
        }
        Assert.Equal(RtmpError.TooManyChunkStreams, Assert.Throws<RtmpProtocolException>(() => reader.TryRead(ref buffer, out _)).Error);
    }

    [Fact]
    public void Many_large_partial_messages_are_refused_before_they_are_buffered()
    {
        using var reader = new ChunkReader(100_000, 0xFFFFFF, 64);
        reader.SetChunkSize(65536);
        var bytes = new List<byte>();
        // 99,999-byte messages on csids 3.., each sending its first 65,536 bytes and never finishing.
        for (var csid = 3; csid < 8; csid++)
        {
            bytes.AddRange([(byte)csid, 0, 0, 0, 0x01, 0x86, 0x9F, 9, 1, 0, 0, 0]);
            bytes.AddRange(new byte[65536]);
        }
        var buffer = new ReadOnlySequence<byte>(bytes.ToArray());
        var ex = Assert.Throws<RtmpProtocolException>(() => reader.TryRead(ref buffer, out _));
        Assert.Equal(RtmpError.TooMuchBuffered, ex.Error);
        Assert.True(reader.BufferedBytes <= 2 * 100_000 + 64 * 1024, $"{reader.BufferedBytes} buffered");
    }

    [Fact]
    public void Reassembly_buffers_grow_with_bytes_received_not_the_announced_length()
    {
        using var reader = NewReader(maxMessage: 8 * 1024 * 1024);
        var buffer = new ReadOnlySequence<byte>((byte[])[0x06, 0, 0, 0, 0x7F, 0xFF, 0xFF, 9, 1, 0, 0, 0, .. new byte[128]]);
        Assert.False(reader.TryRead(ref buffer, out _));
        Assert.True(reader.BufferedBytes <= 4096, $"{reader.BufferedBytes} buffered for 128 bytes received");
    }
}
