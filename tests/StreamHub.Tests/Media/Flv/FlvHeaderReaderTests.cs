using System.Buffers;
using System.Text;
using StreamHub.Media;
using StreamHub.Media.Flv;
using StreamHub.Tests.Infrastructure;

namespace StreamHub.Tests.Media.Flv;

public sealed class FlvHeaderReaderTests
{
    private static (FlvMediaHeader Header, byte[] Payload) Video(byte[] body)
    {
        var buffer = new ReadOnlySequence<byte>(body);
        Assert.True(FlvVideoHeaderReader.TryRead(ref buffer, out var header));
        return (header, buffer.ToArray());
    }

    private static (FlvMediaHeader Header, byte[] Payload) Audio(byte[] body)
    {
        var buffer = new ReadOnlySequence<byte>(body);
        Assert.True(FlvAudioHeaderReader.TryRead(ref buffer, out var header));
        return (header, buffer.ToArray());
    }

    private static byte[] Cc(string fourCc) => Encoding.ASCII.GetBytes(fourCc);

    [Fact]
    public void Legacy_avc_sequence_header()
    {
        var (header, payload) = Video([0x17, 0x00, 0x00, 0x00, 0x00, 0x01, 0x64, 0x00, 0x1F]);
        Assert.Equal(MediaKind.Video, header.Kind);
        Assert.True(header.IsMedia);
        Assert.Equal(MediaFrameKind.SequenceHeader, header.FrameKind);
        Assert.Equal(VideoCodec.H264, header.VideoCodec);
        Assert.True(header.IsKeyframe);
        Assert.Equal(new byte[] { 0x01, 0x64, 0x00, 0x1F }, payload);
    }

    [Theory]
    [InlineData(0x00, 0x00, 0x50, 80)]
    [InlineData(0xFF, 0xFF, 0xD8, -40)]
    [InlineData(0x7F, 0xFF, 0xFF, 8388607)]
    [InlineData(0x80, 0x00, 0x00, -8388608)]
    public void Legacy_avc_composition_time_is_SI24_sign_extended(byte b0, byte b1, byte b2, int expected)
    {
        var (header, payload) = Video([0x27, 0x01, b0, b1, b2, 0, 0, 0, 1, 0x41]);
        Assert.Equal(MediaFrameKind.Coded, header.FrameKind);
        Assert.False(header.IsKeyframe);
        Assert.Equal(expected, header.CompositionOffset);
        Assert.Equal(new byte[] { 0, 0, 0, 1, 0x41 }, payload);
    }

    [Fact]
    public void Legacy_avc_end_of_sequence_and_command_frame()
    {
        Assert.Equal(MediaFrameKind.EndOfSequence, Video([0x17, 0x02, 0, 0, 0]).Header.FrameKind);
        Assert.False(Video([0x57, 0x00]).Header.IsMedia);
    }

    [Fact]
    public void Aac_config_and_raw_frames()
    {
        var (config, asc) = Audio([0xAF, 0x00, 0x12, 0x10]);
        Assert.Equal((MediaKind.Audio, MediaFrameKind.SequenceHeader, AudioCodec.Aac), (config.Kind, config.FrameKind, config.AudioCodec));
        Assert.Equal(new byte[] { 0x12, 0x10 }, asc);
        var (raw, frame) = Audio([0xAF, 0x01, 0x21, 0x10, 0x04]);
        Assert.Equal(MediaFrameKind.Coded, raw.FrameKind);
        Assert.Equal(new byte[] { 0x21, 0x10, 0x04 }, frame);
        var (mp3, _) = Audio([0x2F, 0xFF, 0xFB]);
        Assert.Equal(AudioCodec.Mp3, mp3.AudioCodec);
    }

    [Theory]
    [InlineData(0x90, "hvc1", VideoCodec.Hevc, MediaFrameKind.SequenceHeader, true)]
    [InlineData(0x90, "av01", VideoCodec.Av1, MediaFrameKind.SequenceHeader, true)]
    [InlineData(0x90, "vp09", VideoCodec.Vp9, MediaFrameKind.SequenceHeader, true)]
    [InlineData(0x90, "avc1", VideoCodec.H264, MediaFrameKind.SequenceHeader, true)]
    [InlineData(0x93, "hvc1", VideoCodec.Hevc, MediaFrameKind.Coded, true)]
    [InlineData(0xA3, "av01", VideoCodec.Av1, MediaFrameKind.Coded, false)]
    [InlineData(0xA1, "vp09", VideoCodec.Vp9, MediaFrameKind.Coded, false)]
    [InlineData(0x92, "hvc1", VideoCodec.Hevc, MediaFrameKind.EndOfSequence, false)]
    [InlineData(0x93, "vvc1", VideoCodec.Vvc, MediaFrameKind.Coded, true)]
    [InlineData(0x93, "xyz1", VideoCodec.Unknown, MediaFrameKind.Coded, true)]
    public void Enhanced_video_packet_types_and_fourccs(byte first, string fourCc, VideoCodec codec, MediaFrameKind kind, bool key)
    {
        var (header, payload) = Video([first, .. Cc(fourCc), 0xAA, 0xBB]);
        Assert.True(header.IsMedia);
        Assert.Equal(codec, header.VideoCodec);
        Assert.Equal(kind, header.FrameKind);
        Assert.Equal(key, header.IsKeyframe);
        Assert.Equal(0, header.CompositionOffset);
        Assert.Equal(new byte[] { 0xAA, 0xBB }, payload);
    }

    [Fact]
    public void Enhanced_coded_frames_of_hvc1_carry_a_composition_time()
    {
        var (header, payload) = Video([0x91, .. Cc("hvc1"), 0xFF, 0xFF, 0xD8, 0x01]);
        Assert.Equal(-40, header.CompositionOffset);
        Assert.Equal(new byte[] { 0x01 }, payload);
    }

    [Fact]
    public void Enhanced_metadata_and_command_frames_are_not_media()
    {
        Assert.False(Video([0x94, .. Cc("hvc1"), 0x02, 0x00]).Header.IsMedia);
        // Command frame: IsExHeader, frameType 5, then one VideoCommand byte and no FourCC.
        Assert.False(Video([0xD0, 0x01]).Header.IsMedia);
        // Metadata with a command frame type still carries its FourCC.
        Assert.False(Video([0xD4, .. Cc("hvc1"), 0x02, 0x00]).Header.IsMedia);
    }

    [Fact]
    public void ModEx_blocks_are_skipped_to_the_real_packet_type()
    {
        // ModEx (7): size-1 = 2 (3 bytes of nanosecond offset), then modExType 0 | next packet type 1 (CodedFrames).
        var (header, payload) = Video([0x97, 0x02, 0x00, 0x01, 0x00, 0x01, .. Cc("avc1"), 0x00, 0x00, 0x28, 0xEE]);
        Assert.Equal(MediaFrameKind.Coded, header.FrameKind);
        Assert.Equal(VideoCodec.H264, header.VideoCodec);
        Assert.Equal(40, header.CompositionOffset);
        Assert.Equal(new byte[] { 0xEE }, payload);
    }

    [Fact]
    public void Multitrack_one_track_carries_the_track_id()
    {
        var (header, payload) = Video([0x96, 0x01, .. Cc("hvc1"), 0x02, 0x00, 0x00, 0x00, 0x77]);
        Assert.Equal(2, header.TrackId);
        Assert.Equal(VideoCodec.Hevc, header.VideoCodec);
        Assert.Equal(0, header.LeftOutTracks);
        Assert.Equal(new byte[] { 0x77 }, payload);
    }

    [Fact]
    public void Many_tracks_in_one_message_give_the_default_track_alone_and_count_the_others()
    {
        // ManyTracks (1), CodedFrames (1), one FourCC; track 1 first (cts 0), then track 0 (cts 40).
        var (header, payload) = Video([0x96, 0x11, .. Cc("avc1"),
            0x01, 0, 0, 5, 0, 0, 0, 0xA1, 0xA2,
            0x00, 0, 0, 5, 0, 0, 0x28, 0xB1, 0xB2]);
        Assert.True(header.IsMedia);
        Assert.Equal(0, header.TrackId);
        Assert.Equal(VideoCodec.H264, header.VideoCodec);
        Assert.Equal(MediaFrameKind.Coded, header.FrameKind);
        Assert.Equal(40, header.CompositionOffset);
        Assert.Equal(1, header.LeftOutTracks);
        Assert.Equal(1, header.LeftOutTrackId);
        Assert.Equal(new byte[] { 0xB1, 0xB2 }, payload);
    }

    [Fact]
    public void Many_tracks_without_the_default_track_are_no_frame_but_say_what_was_left_out()
    {
        var (header, payload) = Video([0x96, 0x11, .. Cc("hvc1"), 0x01, 0, 0, 1, 0x77, 0x02, 0, 0, 1, 0x78]);
        Assert.False(header.IsMedia);
        Assert.Equal(2, header.LeftOutTracks);
        Assert.Equal(1, header.LeftOutTrackId);
        Assert.Empty(payload);
    }

    [Fact]
    public void Many_tracks_many_codecs_audio_takes_the_default_tracks_own_codec()
    {
        // ManyTracksManyCodecs (2), CodedFrames (1): Opus on track 2, AAC on track 0, then a sequence start would
        // not matter: each track names its FourCC.
        var (header, payload) = Audio([0x95, 0x21, .. Cc("Opus"), 0x02, 0, 0, 1, 0xC1, .. Cc("mp4a"), 0x00, 0, 0, 2, 0xD1, 0xD2]);
        Assert.True(header.IsMedia);
        Assert.Equal(AudioCodec.Aac, header.AudioCodec);
        Assert.Equal(0, header.TrackId);
        Assert.Equal(1, header.LeftOutTracks);
        Assert.Equal(2, header.LeftOutTrackId);
        Assert.Equal(new byte[] { 0xD1, 0xD2 }, payload);
    }

    [Fact]
    public void A_track_longer_than_its_message_returns_false_and_consumes_nothing()
    {
        byte[][] videos = [[0x96, 0x11, .. Cc("avc1"), 0x00, 0, 0, 9, 0, 0, 0], [0x96, 0x11, .. Cc("avc1"), 0x00, 0, 0, 2, 0, 0]];
        foreach (var body in videos)
        {
            var buffer = new ReadOnlySequence<byte>(body);
            Assert.False(FlvVideoHeaderReader.TryRead(ref buffer, out _), Convert.ToHexString(body));
            Assert.Equal(body.Length, buffer.Length);
        }
        var audio = new ReadOnlySequence<byte>([0x95, 0x11, .. Cc("Opus"), 0x00, 0, 1, 0, 0x42]);
        Assert.False(FlvAudioHeaderReader.TryRead(ref audio, out _));
    }

    [Fact]
    public void Many_tracks_split_across_segments_read_the_same()
    {
        byte[] body = [0x96, 0x11, .. Cc("avc1"), 0x01, 0, 0, 4, 0, 0, 0, 0xA1, 0x00, 0, 0, 5, 0xFF, 0xFF, 0xD8, 0x01, 0x02];
        for (var at = 1; at < body.Length; at++)
        {
            var buffer = TestSequenceSegment.SplitAt(body, at);
            Assert.True(FlvVideoHeaderReader.TryRead(ref buffer, out var header));
            Assert.Equal(-40, header.CompositionOffset);
            Assert.Equal(1, header.LeftOutTrackId);
            Assert.Equal(new byte[] { 0x01, 0x02 }, buffer.ToArray());
        }
    }

    [Theory]
    [InlineData(0x90, "Opus", AudioCodec.Opus, MediaFrameKind.SequenceHeader)]
    [InlineData(0x91, "mp4a", AudioCodec.Aac, MediaFrameKind.Coded)]
    [InlineData(0x91, "fLaC", AudioCodec.Flac, MediaFrameKind.Coded)]
    [InlineData(0x91, "ac-3", AudioCodec.Ac3, MediaFrameKind.Coded)]
    [InlineData(0x91, "ec-3", AudioCodec.Eac3, MediaFrameKind.Coded)]
    [InlineData(0x91, ".mp3", AudioCodec.Mp3, MediaFrameKind.Coded)]
    [InlineData(0x92, "Opus", AudioCodec.Opus, MediaFrameKind.EndOfSequence)]
    public void Enhanced_audio_fourccs(byte first, string fourCc, AudioCodec codec, MediaFrameKind kind)
    {
        var (header, payload) = Audio([first, .. Cc(fourCc), 0x42]);
        Assert.True(header.IsMedia);
        Assert.Equal(codec, header.AudioCodec);
        Assert.Equal(kind, header.FrameKind);
        Assert.Equal(new byte[] { 0x42 }, payload);
    }

    [Fact]
    public void Enhanced_audio_multitrack_one_track()
    {
        var (header, payload) = Audio([0x95, 0x01, .. Cc("Opus"), 0x03, 0x42]);
        Assert.Equal(3, header.TrackId);
        Assert.Equal(AudioCodec.Opus, header.AudioCodec);
        Assert.Equal(new byte[] { 0x42 }, payload);
    }

    [Fact]
    public void Every_truncated_header_returns_false_and_consumes_nothing()
    {
        byte[][] videos = [[0x27, 0x01, 0xFF, 0xFF, 0xD8], [0x91, .. Cc("hvc1"), 0x00, 0x00, 0x28], [0x97, 0x02, 0, 1, 0, 0x01, .. Cc("avc1"), 0, 0, 0], [0x96, 0x01, .. Cc("hvc1"), 0x02, 0, 0, 0]];
        foreach (var body in videos)
        {
            for (var length = 0; length < body.Length; length++)
            {
                var buffer = new ReadOnlySequence<byte>(body, 0, length);
                Assert.False(FlvVideoHeaderReader.TryRead(ref buffer, out _), $"{Convert.ToHexString(body)} prefix {length}");
                Assert.Equal(length, buffer.Length);
            }
        }
        byte[][] audios = [[0xAF, 0x01], [0x91, .. Cc("mp4a")]];
        foreach (var body in audios)
        {
            for (var length = 0; length < body.Length; length++)
            {
                var buffer = new ReadOnlySequence<byte>(body, 0, length);
                Assert.False(FlvAudioHeaderReader.TryRead(ref buffer, out _));
                Assert.Equal(length, buffer.Length);
            }
        }
    }

    [Fact]
    public void Headers_split_across_segments_read_the_same()
    {
        byte[] body = [0x91, .. Cc("hvc1"), 0xFF, 0xFF, 0xD8, 0x01, 0x02];
        for (var at = 1; at < body.Length; at++)
        {
            var buffer = TestSequenceSegment.SplitAt(body, at);
            Assert.True(FlvVideoHeaderReader.TryRead(ref buffer, out var header));
            Assert.Equal(-40, header.CompositionOffset);
            Assert.Equal(new byte[] { 0x01, 0x02 }, buffer.ToArray());
        }
    }
}
