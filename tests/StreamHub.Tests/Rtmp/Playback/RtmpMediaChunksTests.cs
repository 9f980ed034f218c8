using System.Buffers;
using StreamHub.Media;
using StreamHub.Media.Flv;
using StreamHub.Rtmp.Chunking;
using StreamHub.Rtmp.Messages;
using StreamHub.Rtmp.Playback;
using StreamHub.Tests.Infrastructure;

namespace StreamHub.Tests.Rtmp.Playback;

/// <summary>A frame's RTMP chunks, parsed back with the server's own <see cref="ChunkReader"/>: one message of the
/// right type, timestamp and stream id whose body is the FLV body prefix and the payload, at every size (one chunk,
/// exactly a chunk, many chunks), with the extended timestamp on every chunk from 0xFFFFFF on.</summary>
public sealed class RtmpMediaChunksTests
{
    public static TheoryData<string, int, int, uint> Cases => new()
    {
        // codec, payload bytes, chunk size, timestamp
        { "avc-key", 100, 128, 1_000 },
        { "avc-inter", 10_000, 4096, 33_367 },
        { "avc-inter", 4096 - 5, 4096, 40 }, // body exactly one chunk: no continuation
        { "avc-inter", 4096 - 4, 4096, 40 }, // one byte over: a one-byte continuation
        { "avc-key", 20_000, 128, 0xFFFFFE }, // the largest 24-bit timestamp
        { "avc-key", 20_000, 128, 0xFFFFFF }, // the first extended one
        { "aac", 300, 128, 0xFFFFFF + 1_000 },
        { "aac", 1, 128, uint.MaxValue },
        { "hevc", 9_000, 4096, 16_780_123 },
        { "av1", 5_000, 1024, 90 },
        { "opus", 200, 128, 20 },
        { "avc-header", 40, 4096, 0 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void A_frame_parses_back_as_one_message_of_its_body_prefix_and_payload(string codec, int payloadLength, int chunkSize, uint timestamp)
    {
        var frame = Frame(codec, payloadLength);
        var bytes = new ArrayBufferWriter<byte>();

        var written = RtmpMediaChunks.Write(bytes, frame, timestamp, chunkSize, messageStreamId: 1);

        Assert.Equal(bytes.WrittenCount, written);
        Assert.True(written <= RtmpMediaChunks.MaxLength(frame, chunkSize), $"{written} > MaxLength {RtmpMediaChunks.MaxLength(frame, chunkSize)}");
        var prefix = new byte[FlvTagWriter.MaxBodyPrefixLength];
        var prefixLength = FlvTagWriter.WriteBodyPrefix(prefix, frame);
        byte[] body = [.. prefix[..prefixLength], .. frame.Payload.Span];
        var chunks = (body.Length + chunkSize - 1) / chunkSize;
        var extended = timestamp >= 0xFFFFFF;
        Assert.Equal(12 + (extended ? 4 : 0) + (chunks - 1) * (extended ? 5 : 1) + body.Length, written);

        // Whole, and split into 7-byte segments (the reader keeps its place across segments).
        foreach (var input in new[] { new ReadOnlySequence<byte>(bytes.WrittenMemory), TestSequenceSegment.Split(bytes.WrittenSpan.ToArray(), 7) })
        {
            using var reader = new ChunkReader(1 << 24, 1 << 16, 16);
            reader.SetChunkSize((uint)chunkSize);
            var buffer = input;
            Assert.True(reader.TryRead(ref buffer, out var message));
            Assert.Equal(frame.Kind == MediaKind.Video ? RtmpMessageType.Video : RtmpMessageType.Audio, message.Type);
            Assert.Equal(frame.Kind == MediaKind.Video ? RtmpMediaChunks.VideoChunkStreamId : RtmpMediaChunks.AudioChunkStreamId, message.ChunkStreamId);
            Assert.Equal(timestamp, message.Timestamp);
            Assert.Equal(1u, message.StreamId);
            Assert.Equal(body, message.Payload.ToArray());
            Assert.Equal(0, buffer.Length);
        }
        frame.Release();
    }

    [Fact]
    public void Legacy_avc_and_aac_bodies_start_with_the_classic_flv_headers()
    {
        var avc = Frame("avc-inter", 10);
        var aac = Frame("aac", 10);
        var written = new ArrayBufferWriter<byte>();
        RtmpMediaChunks.Write(written, avc, 40, 128, 1);
        // fmt 0 on chunk stream 6: timestamp 40, length 5 + 10, type 9, stream id 1 (little-endian); then 0x27 (inter,
        // AVC), packet type 1, composition time 67.
        Assert.Equal([0x06, 0, 0, 40, 0, 0, 15, 9, 1, 0, 0, 0, 0x27, 1, 0, 0, 67], written.WrittenSpan[..17].ToArray());
        written.ResetWrittenCount();
        RtmpMediaChunks.Write(written, aac, 23, 128, 1);
        Assert.Equal([0x04, 0, 0, 23, 0, 0, 12, 8, 1, 0, 0, 0, 0xAF, 1], written.WrittenSpan[..14].ToArray());
        avc.Release();
        aac.Release();
    }

    [Fact]
    public void The_shared_encoder_writes_what_write_writes_for_the_chunk_size_and_stream_id_in_its_key()
    {
        var frame = Frame("hevc", 9_000);
        var direct = new ArrayBufferWriter<byte>();
        RtmpMediaChunks.Write(direct, frame, unchecked((uint)frame.Dts), 4096, 3);
        var key = RtmpMediaChunks.SharedKey(4096, 3);

        var shared = frame.GetOrAddEncoding(key, RtmpMediaChunks.MaxLength(frame, 4096), RtmpMediaChunks.Shared);

        Assert.Equal(direct.WrittenSpan.ToArray(), shared.ToArray());
        Assert.Equal(-1, RtmpMediaChunks.SharedKey(4096, 256));
        Assert.Equal(-1, RtmpMediaChunks.SharedKey(4096, 0));
        Assert.NotEqual(RtmpMediaChunks.SharedKey(4096, 1), RtmpMediaChunks.SharedKey(128, 1));
        frame.Release();
    }

    /// <summary>A frame whose payload bytes count up (so a misplaced byte shows).</summary>
    internal static MediaFrame Frame(string codec, int payloadLength, long dts = 16_780_123)
    {
        var payload = Enumerable.Range(0, payloadLength).Select(i => (byte)(i * 7 + 1)).ToArray();
        return codec switch
        {
            "avc-key" => MediaFrame.Create(payload, MediaKind.Video, MediaFrameKind.Coded, dts, 0, true, VideoCodec.H264),
            "avc-inter" => MediaFrame.Create(payload, MediaKind.Video, MediaFrameKind.Coded, dts, 67, false, VideoCodec.H264),
            "avc-header" => MediaFrame.Create(payload, MediaKind.Video, MediaFrameKind.SequenceHeader, dts, 0, true, VideoCodec.H264),
            "hevc" => MediaFrame.Create(payload, MediaKind.Video, MediaFrameKind.Coded, dts, 33, true, VideoCodec.Hevc),
            "av1" => MediaFrame.Create(payload, MediaKind.Video, MediaFrameKind.Coded, dts, 0, false, VideoCodec.Av1),
            "aac" => MediaFrame.Create(payload, MediaKind.Audio, MediaFrameKind.Coded, dts, audioCodec: AudioCodec.Aac),
            "opus" => MediaFrame.Create(payload, MediaKind.Audio, MediaFrameKind.Coded, dts, audioCodec: AudioCodec.Opus),
            _ => throw new ArgumentOutOfRangeException(nameof(codec)),
        };
    }
}
