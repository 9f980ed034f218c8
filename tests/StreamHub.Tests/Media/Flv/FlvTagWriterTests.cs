using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using StreamHub.Media;
using StreamHub.Media.Flv;

namespace StreamHub.Tests.Media.Flv;

public sealed class FlvTagWriterTests
{
    private static byte[] Cc(string fourCc) => Encoding.ASCII.GetBytes(fourCc);

    private static byte[] Write(MediaFrame frame)
    {
        var output = new ArrayBufferWriter<byte>();
        FlvTagWriter.WriteFrame(output, frame);
        return output.WrittenSpan.ToArray();
    }

    private static MediaFrame Video(VideoCodec codec, MediaFrameKind kind, bool key, long dts, int cts, byte[] payload, byte track = 0) =>
        MediaFrame.Create(payload, MediaKind.Video, kind, dts, cts, key, videoCodec: codec, trackId: track);

    private static MediaFrame Audio(AudioCodec codec, MediaFrameKind kind, long dts, byte[] payload, byte track = 0) =>
        MediaFrame.Create(payload, MediaKind.Audio, kind, dts, audioCodec: codec, trackId: track);

    [Theory]
    [InlineData(true, true, 0x05)]
    [InlineData(false, true, 0x01)]
    [InlineData(true, false, 0x04)]
    public void File_header_has_the_audio_and_video_flags_and_previous_tag_size_zero(bool audio, bool video, byte flags)
    {
        var output = new ArrayBufferWriter<byte>();
        FlvTagWriter.WriteFileHeader(output, audio, video);
        Assert.Equal(new byte[] { 0x46, 0x4C, 0x56, 0x01, flags, 0, 0, 0, 9, 0, 0, 0, 0 }, output.WrittenSpan.ToArray());
    }

    [Fact]
    public void Avc_sequence_header_is_a_legacy_tag_with_packet_type_0()
    {
        byte[] expected =
        [
            0x09, 0x00, 0x00, 0x09, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
            0x17, 0x00, 0x00, 0x00, 0x00, 0x01, 0x64, 0x00, 0x1F,
            0x00, 0x00, 0x00, 0x14,
        ];
        Assert.Equal(expected, Write(Video(VideoCodec.H264, MediaFrameKind.SequenceHeader, true, 0, 0, [0x01, 0x64, 0x00, 0x1F])));
    }

    [Fact]
    public void Avc_inter_frame_carries_its_composition_time_and_the_extended_timestamp_byte()
    {
        byte[] expected =
        [
            0x09, 0x00, 0x00, 0x07, 0x34, 0x56, 0x78, 0x12, 0x00, 0x00, 0x00,
            0x27, 0x01, 0x00, 0x00, 0x50, 0xAA, 0xBB,
            0x00, 0x00, 0x00, 0x12,
        ];
        Assert.Equal(expected, Write(Video(VideoCodec.H264, MediaFrameKind.Coded, false, 0x12345678, 80, [0xAA, 0xBB])));
    }

    [Fact]
    public void Negative_composition_time_is_written_as_si24()
    {
        var tag = Write(Video(VideoCodec.H264, MediaFrameKind.Coded, true, 40, -33, [0xAA]));
        Assert.Equal(new byte[] { 0x17, 0x01, 0xFF, 0xFF, 0xDF }, tag[11..16]);
    }

    [Fact]
    public void Avc_end_of_sequence_has_packet_type_2_and_no_composition_time()
    {
        var tag = Write(Video(VideoCodec.H264, MediaFrameKind.EndOfSequence, false, 0, 0, []));
        Assert.Equal(new byte[] { 0x09, 0, 0, 5, 0, 0, 0, 0, 0, 0, 0, 0x27, 0x02, 0, 0, 0, 0, 0, 0, 0x10 }, tag);
    }

    [Fact]
    public void Timestamp_past_2_to_the_32_wraps_to_its_low_32_bits()
    {
        var tag = Write(Audio(AudioCodec.Aac, MediaFrameKind.Coded, (1L << 32) + 5, [0x21]));
        Assert.Equal(new byte[] { 0x00, 0x00, 0x05, 0x00 }, tag[4..8]);
        tag = Write(Audio(AudioCodec.Aac, MediaFrameKind.Coded, uint.MaxValue, [0x21]));
        Assert.Equal(new byte[] { 0xFF, 0xFF, 0xFF, 0xFF }, tag[4..8]);
    }

    [Fact]
    public void Aac_sequence_header_and_raw_frame_are_legacy_tags()
    {
        byte[] config =
        [
            0x08, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
            0xAF, 0x00, 0x12, 0x10,
            0x00, 0x00, 0x00, 0x0F,
        ];
        Assert.Equal(config, Write(Audio(AudioCodec.Aac, MediaFrameKind.SequenceHeader, 0, [0x12, 0x10])));
        byte[] raw =
        [
            0x08, 0x00, 0x00, 0x03, 0x00, 0x00, 0x17, 0x00, 0x00, 0x00, 0x00,
            0xAF, 0x01, 0x21,
            0x00, 0x00, 0x00, 0x0E,
        ];
        Assert.Equal(raw, Write(Audio(AudioCodec.Aac, MediaFrameKind.Coded, 23, [0x21])));
    }

    [Fact]
    public void Mp3_frame_is_a_legacy_tag()
    {
        Assert.Equal(new byte[] { 0x08, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0x2F, 0xFF, 0, 0, 0, 13 },
            Write(Audio(AudioCodec.Mp3, MediaFrameKind.Coded, 0, [0xFF])));
    }

    [Fact]
    public void Hevc_coded_frame_is_an_enhanced_tag_with_fourcc_and_composition_time()
    {
        byte[] expected =
        [
            0x09, 0x00, 0x00, 0x09, 0x00, 0x00, 0x64, 0x00, 0x00, 0x00, 0x00,
            0x91, .. Cc("hvc1"), 0x00, 0x00, 0x28, 0xCC,
            0x00, 0x00, 0x00, 0x14,
        ];
        Assert.Equal(expected, Write(Video(VideoCodec.Hevc, MediaFrameKind.Coded, true, 100, 40, [0xCC])));
    }

    [Fact]
    public void Hevc_sequence_start_and_end()
    {
        Assert.Equal((byte[])[0x90, .. Cc("hvc1"), 0x01],
            Write(Video(VideoCodec.Hevc, MediaFrameKind.SequenceHeader, true, 0, 0, [0x01]))[11..17]);
        Assert.Equal((byte[])[0xA2, .. Cc("hvc1")],
            Write(Video(VideoCodec.Hevc, MediaFrameKind.EndOfSequence, false, 0, 0, []))[11..16]);
    }

    [Fact]
    public void Av1_frames_are_enhanced_tags_without_composition_time()
    {
        Assert.Equal((byte[])[0x90, .. Cc("av01"), 0x81],
            Write(Video(VideoCodec.Av1, MediaFrameKind.SequenceHeader, true, 0, 0, [0x81]))[11..17]);
        byte[] inter =
        [
            0x09, 0x00, 0x00, 0x06, 0x00, 0x00, 0x21, 0x00, 0x00, 0x00, 0x00,
            0xA1, .. Cc("av01"), 0x12,
            0x00, 0x00, 0x00, 0x11,
        ];
        Assert.Equal(inter, Write(Video(VideoCodec.Av1, MediaFrameKind.Coded, false, 33, 0, [0x12])));
    }

    [Fact]
    public void Opus_frames_are_enhanced_audio_tags()
    {
        Assert.Equal((byte[])[0x08, 0, 0, 6, 0, 0, 0, 0, 0, 0, 0, 0x90, .. Cc("Opus"), 0x4F, 0, 0, 0, 17],
            Write(Audio(AudioCodec.Opus, MediaFrameKind.SequenceHeader, 0, [0x4F])));
        Assert.Equal((byte[])[0x91, .. Cc("Opus")], Write(Audio(AudioCodec.Opus, MediaFrameKind.Coded, 20, [0xFC]))[11..16]);
    }

    [Fact]
    public void Aac_end_of_sequence_has_no_legacy_form_and_is_an_enhanced_tag()
    {
        Assert.Equal((byte[])[0x92, .. Cc("mp4a")], Write(Audio(AudioCodec.Aac, MediaFrameKind.EndOfSequence, 0, []))[11..16]);
    }

    [Fact]
    public void Track_other_than_0_uses_the_one_track_multitrack_form()
    {
        Assert.Equal((byte[])[0x96, 0x01, .. Cc("hvc1"), 0x02, 0x00, 0x00, 0x28, 0xCC],
            Write(Video(VideoCodec.Hevc, MediaFrameKind.Coded, true, 0, 40, [0xCC], track: 2))[11..22]);
        Assert.Equal((byte[])[0x96, 0x01, .. Cc("avc1"), 0x01, 0x00, 0x00, 0x00, 0xAA],
            Write(Video(VideoCodec.H264, MediaFrameKind.Coded, true, 0, 0, [0xAA], track: 1))[11..22]);
        Assert.Equal((byte[])[0x95, 0x01, .. Cc("mp4a"), 0x03, 0x21],
            Write(Audio(AudioCodec.Aac, MediaFrameKind.Coded, 0, [0x21], track: 3))[11..19]);
    }

    [Fact]
    public void Metadata_is_a_script_tag_with_onMetaData_and_an_ecma_array()
    {
        var output = new ArrayBufferWriter<byte>();
        FlvTagWriter.WriteMetadata(output, new Dictionary<string, object?> { ["width"] = 1280.0 });
        byte[] expected =
        [
            0x12, 0x00, 0x00, 0x25, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
            0x02, 0x00, 0x0A, .. Encoding.ASCII.GetBytes("onMetaData"),
            0x08, 0x00, 0x00, 0x00, 0x01,
            0x00, 0x05, .. Encoding.ASCII.GetBytes("width"), 0x00, 0x40, 0x94, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
            0x00, 0x00, 0x09,
            0x00, 0x00, 0x00, 0x30,
        ];
        Assert.Equal(expected, output.WrittenSpan.ToArray());
    }

    [Fact]
    public void Tag_prefix_payload_and_previous_tag_size_written_apart_equal_the_whole_tag()
    {
        var frame = Video(VideoCodec.Hevc, MediaFrameKind.Coded, false, 0x01020304, -10, [1, 2, 3, 4, 5], track: 4);
        Span<byte> prefix = stackalloc byte[FlvTagWriter.MaxTagPrefixLength];
        var length = FlvTagWriter.WriteTagPrefix(prefix, frame);
        Span<byte> previous = stackalloc byte[4];
        FlvTagWriter.WritePreviousTagSize(previous, length + frame.Payload.Length);
        byte[] apart = [.. prefix[..length], .. frame.Payload.Span, .. previous];
        Assert.Equal(Write(frame), apart);
        Assert.Equal(FlvTagWriter.MaxTagPrefixLength, length);
    }

    [Fact]
    public void Unknown_codec_cannot_be_written()
    {
        var frame = Video(VideoCodec.Unknown, MediaFrameKind.Coded, true, 0, 0, [1]);
        Assert.False(FlvTagWriter.CanWrite(frame));
        Assert.Throws<ArgumentException>(() => Write(frame));
        Assert.True(FlvTagWriter.CanWrite(Audio(AudioCodec.Opus, MediaFrameKind.Coded, 0, [1])));
    }

    [Fact]
    public void Writing_a_frame_allocates_nothing()
    {
        var frame = Video(VideoCodec.H264, MediaFrameKind.Coded, true, 1000, 40, new byte[4096]);
        var audio = Audio(AudioCodec.Opus, MediaFrameKind.Coded, 1000, new byte[200], track: 1);
        var output = new ArrayBufferWriter<byte>(1 << 20);
        FlvTagWriter.WriteFrame(output, frame);
        output.ResetWrittenCount();
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 100; i++)
        {
            FlvTagWriter.WriteFrame(output, frame);
            FlvTagWriter.WriteFrame(output, audio);
        }
        Assert.Equal(0L, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    /// <summary>Every form the writer produces, read back by the ingest side's readers: every field is kept.</summary>
    [Fact]
    public void Frames_written_and_read_back_by_the_flv_readers_are_identical()
    {
        MediaFrame[] frames =
        [
            Video(VideoCodec.H264, MediaFrameKind.SequenceHeader, true, 0, 0, [0x01, 0x64, 0x00, 0x1F]),
            Audio(AudioCodec.Aac, MediaFrameKind.SequenceHeader, 0, [0x12, 0x10]),
            Video(VideoCodec.H264, MediaFrameKind.Coded, true, 0, 80, [0, 0, 0, 1, 0x65]),
            Video(VideoCodec.H264, MediaFrameKind.Coded, false, 40, -40, [0, 0, 0, 1, 0x41]),
            Audio(AudioCodec.Aac, MediaFrameKind.Coded, 23, [0x21, 0x22]),
            Audio(AudioCodec.Mp3, MediaFrameKind.Coded, 26, [0xFF, 0xFB]),
            Audio(AudioCodec.Mp3, MediaFrameKind.SequenceHeader, 26, [0x01]),
            Audio(AudioCodec.Aac, MediaFrameKind.EndOfSequence, 30, []),
            Video(VideoCodec.H264, MediaFrameKind.EndOfSequence, true, 80, 0, []),
            Video(VideoCodec.Hevc, MediaFrameKind.SequenceHeader, true, 100, 0, [0x01, 0x02]),
            Video(VideoCodec.Hevc, MediaFrameKind.Coded, true, 100, 0x7FFFFF, [0x26, 0x01]),
            Video(VideoCodec.Hevc, MediaFrameKind.Coded, false, 140, -0x800000, [0x02, 0x01]),
            Video(VideoCodec.Hevc, MediaFrameKind.EndOfSequence, false, 180, 0, []),
            Video(VideoCodec.Av1, MediaFrameKind.SequenceHeader, true, 200, 0, [0x81, 0x00]),
            Video(VideoCodec.Av1, MediaFrameKind.Coded, false, 233, 0, [0x12, 0x00]),
            Video(VideoCodec.Vp9, MediaFrameKind.Coded, true, 266, 0, [0x82]),
            Video(VideoCodec.Vp8, MediaFrameKind.Coded, false, 300, 0, [0x9D]),
            Video(VideoCodec.Vvc, MediaFrameKind.SequenceHeader, true, 333, 0, [0x01]),
            Video(VideoCodec.H264, MediaFrameKind.Coded, true, 366, 33, [0xAB], track: 1),
            Video(VideoCodec.Hevc, MediaFrameKind.Coded, false, 400, -33, [0xAC], track: 255),
            Video(VideoCodec.Av1, MediaFrameKind.Coded, true, 433, 0, [0xAD], track: 2),
            Audio(AudioCodec.Opus, MediaFrameKind.SequenceHeader, 466, [0x4F, 0x70]),
            Audio(AudioCodec.Opus, MediaFrameKind.Coded, 486, [0xFC]),
            Audio(AudioCodec.Flac, MediaFrameKind.Coded, 506, [0xFF, 0xF8]),
            Audio(AudioCodec.Ac3, MediaFrameKind.Coded, 526, [0x0B, 0x77]),
            Audio(AudioCodec.Eac3, MediaFrameKind.Coded, 546, [0x0B, 0x77]),
            Audio(AudioCodec.Aac, MediaFrameKind.Coded, 566, [0x21], track: 7),
            Audio(AudioCodec.Opus, MediaFrameKind.EndOfSequence, 586, [], track: 1),
            Video(VideoCodec.H264, MediaFrameKind.Coded, false, uint.MaxValue, 5, [0xEE]),
        ];
        var output = new ArrayBufferWriter<byte>();
        FlvTagWriter.WriteFileHeader(output, hasAudio: true, hasVideo: true);
        foreach (var frame in frames)
        {
            FlvTagWriter.WriteFrame(output, frame);
        }

        var read = ReadBack(output.WrittenMemory);
        Assert.Equal(frames.Select(Describe), read);
    }

    private static string Describe(MediaFrame f) =>
        $"{f.Kind} {f.FrameKind} {f.VideoCodec} {f.AudioCodec} key={f.IsKeyframe} dts={f.Dts} cts={f.CompositionOffset} track={f.TrackId} {Convert.ToHexString(f.Payload.Span)}";

    /// <summary>Walks the tags, checking DataSize against each PreviousTagSize, and reads each body with the
    /// project's readers.</summary>
    private static List<string> ReadBack(ReadOnlyMemory<byte> file)
    {
        var bytes = file.Span;
        Assert.Equal(13, (int)BinaryPrimitives.ReadUInt32BigEndian(bytes[5..]) + 4);
        var offset = 13;
        var frames = new List<string>();
        while (offset < bytes.Length)
        {
            var type = bytes[offset];
            var size = bytes[offset + 1] << 16 | bytes[offset + 2] << 8 | bytes[offset + 3];
            var timestamp = (uint)(bytes[offset + 7] << 24 | bytes[offset + 4] << 16 | bytes[offset + 5] << 8 | bytes[offset + 6]);
            Assert.Equal(0, bytes[offset + 8] | bytes[offset + 9] | bytes[offset + 10]);
            Assert.Equal(11 + size, (int)BinaryPrimitives.ReadUInt32BigEndian(bytes[(offset + 11 + size)..]));
            var body = new ReadOnlySequence<byte>(file.Slice(offset + 11, size));
            var ok = type == 9 ? FlvVideoHeaderReader.TryRead(ref body, out var header) : FlvAudioHeaderReader.TryRead(ref body, out header);
            Assert.True(ok);
            Assert.True(header.IsMedia);
            using var frame = new FrameLease(MediaFrame.Create(body, header.Kind, header.FrameKind, timestamp, header.CompositionOffset,
                header.IsKeyframe, header.VideoCodec, header.AudioCodec, header.TrackId));
            frames.Add(Describe(frame.Frame));
            offset += 11 + size + 4;
        }
        return frames;
    }

    private readonly record struct FrameLease(MediaFrame Frame) : IDisposable
    {
        public void Dispose() => Frame.Release();
    }
}
