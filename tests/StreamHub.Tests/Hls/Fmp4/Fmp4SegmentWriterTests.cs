using System.Buffers;
using StreamHub.Hls.Fmp4;
using StreamHub.Media;

namespace StreamHub.Tests.Hls.Fmp4;

public sealed class Fmp4SegmentWriterTests
{
    // A 64x64 High-profile avcC (SPS + PPS) as x264 writes it, and AAC LC 44.1 kHz mono.
    private static readonly byte[] AvcRecord = Convert.FromHexString(
        "0164000AFFE100186764000AACD94426C044000003000400000300F03C48965801000668EBE3CB22C0FDF8F800");
    private static readonly byte[] AacConfig = [0x12, 0x08];

    private static Fmp4SegmentWriter Writer(bool video = true, bool audio = true)
    {
        Fmp4Track? v = null, a = null;
        if (video)
        {
            Assert.True(Fmp4Track.TryCreateAvc(AvcRecord, out v));
        }
        if (audio)
        {
            Assert.True(Fmp4Track.TryCreateAac(AacConfig, out a));
        }
        return new Fmp4SegmentWriter(v, a);
    }

    private static MediaFrame Video(long dts, int cts, bool key, params byte[] payload) =>
        MediaFrame.Create(payload, MediaKind.Video, MediaFrameKind.Coded, dts, cts, key, VideoCodec.H264);

    private static MediaFrame Audio(long dts, params byte[] payload) =>
        MediaFrame.Create(payload, MediaKind.Audio, MediaFrameKind.Coded, dts, audioCodec: AudioCodec.Aac);

    private static Fmp4File Read(Fmp4SegmentWriter writer, byte[] fragments)
    {
        var init = new ArrayBufferWriter<byte>();
        writer.WriteInitSegment(init);
        return Fmp4File.Read([.. init.WrittenSpan, .. fragments]);
    }

    [Fact]
    public void Avc_track_takes_its_size_from_the_sps()
    {
        Assert.True(Fmp4Track.TryCreateAvc(AvcRecord, out var track));
        Assert.Equal((64, 64), (track.Width, track.Height));
        Assert.True(Fmp4Track.TryCreateAvc(AvcRecord, out var given, 1280, 720));
        Assert.Equal((1280, 720), (given.Width, given.Height));
    }

    [Fact]
    public void A_fragment_carries_timing_flags_signed_offsets_and_the_payloads_in_track_order()
    {
        using var writer = Writer();
        Assert.True(writer.Add(Video(1000, 67, true, 1, 2, 3)));
        Assert.True(writer.Add(Audio(1005, 10, 11)));
        Assert.True(writer.Add(Video(1033, 100, false, 4)));
        Assert.True(writer.Add(Audio(1028, 12)));
        Assert.True(writer.Add(Video(1067, -33, false, 5, 6)));
        var output = new ArrayBufferWriter<byte>();
        writer.WriteFragment(output, nextVideoDts: 1100);
        Assert.Equal(2u, writer.SequenceNumber);
        Assert.Equal(0, writer.PendingVideoSamples + writer.PendingAudioSamples);

        var file = Read(writer, output.WrittenSpan.ToArray());
        var fragment = Assert.Single(file.Fragments);
        Assert.Equal(1u, fragment.SequenceNumber);
        Assert.Equal(new byte[] { 1, 2, 3, 4, 5, 6, 10, 11, 12 }, fragment.Mdat.BodyBytes);

        var video = fragment.Track(1)!;
        Assert.Equal(90_000ul, video.BaseMediaDecodeTime);
        Assert.Equal(
        [
            new RunSample(33 * 90, 3, Fmp4SampleFlags.Sync, 67 * 90, 90_000, video.Samples[0].DataOffset),
            new RunSample(34 * 90, 1, Fmp4SampleFlags.NonSync, 100 * 90, 90_000 + 33 * 90, video.Samples[0].DataOffset + 3),
            new RunSample(33 * 90, 2, Fmp4SampleFlags.NonSync, -33 * 90, 90_000 + 67 * 90, video.Samples[0].DataOffset + 4),
        ], video.Samples);
        Assert.Equal(1, fragment.Moof.All("traf").First().Child("trun").Version);

        var audio = fragment.Track(2)!;
        Assert.Equal((ulong)Math.Round(1005 * 44.1, MidpointRounding.AwayFromZero), audio.BaseMediaDecodeTime);
        Assert.Equal([1024u, 1024u], audio.Samples.Select(s => s.Duration)); // the last one: an AAC frame
        Assert.All(audio.Samples, s => Assert.Equal(Fmp4SampleFlags.Sync, s.Flags));
    }

    [Fact]
    public void A_gathered_fragment_lists_the_frames_own_payloads_and_joined_equals_the_copied_fragment()
    {
        MediaFrame[] frames = [Video(1000, 67, true, 1, 2, 3), Audio(1005, 10, 11), Video(1033, 100, false, 4), Audio(1028, 12)];
        using var copying = Writer();
        using var gathering = Writer();
        foreach (var frame in frames)
        {
            Assert.True(copying.Add(frame));
            Assert.True(gathering.Add(frame));
        }
        var copied = new ArrayBufferWriter<byte>();
        copying.WriteFragment(copied, nextVideoDts: 1067);
        var header = new ArrayBufferWriter<byte>();
        var payloads = new List<ReadOnlyMemory<byte>>();
        var length = gathering.WriteFragment(header, payloads, nextVideoDts: 1067);

        // No copy: the list holds the frames' own memory, video first, then audio, as in the mdat.
        Assert.Equal(4, payloads.Count);
        Assert.True(payloads[0].Span.Overlaps(frames[0].Payload.Span));
        Assert.True(payloads[1].Span.Overlaps(frames[2].Payload.Span));
        Assert.True(payloads[2].Span.Overlaps(frames[1].Payload.Span));
        Assert.Equal(copied.WrittenCount, length);
        byte[] joined = [.. header.WrittenSpan, .. payloads.SelectMany(p => p.ToArray())];
        Assert.Equal(copied.WrittenSpan.ToArray(), joined);
        Assert.Equal(0, gathering.PendingVideoSamples + gathering.PendingAudioSamples);
        Assert.Equal(0, gathering.WriteFragment(header, payloads));
    }

    /// <summary>A copying writer (a recording's) keeps the payloads' bytes itself: each frame is released as soon as it
    /// is added and its array reused and scribbled over, yet every fragment, through the buffer's growth (far more
    /// than its first 64 KiB) and its reuse for a second fragment, equals byte for byte the fragment of a referencing
    /// writer whose frames stayed alive; its payloads are one memory per track.</summary>
    [Fact]
    public void A_copying_writer_keeps_the_payloads_itself_across_growth_so_each_frame_is_released_when_added()
    {
        using var copying = new Fmp4SegmentWriter(Track(video: true), Track(video: false), copyPayloads: true);
        using var referencing = Writer();
        for (var fragment = 0; fragment < 2; fragment++)
        {
            var kept = new List<MediaFrame>();
            for (var i = 0; i < 60; i++)
            {
                var dts = fragment * 2000 + i * 33;
                var video = Patterned(MediaKind.Video, dts, fragment * 100 + i, 1000 + i * 97, key: i == 0);
                var audio = Patterned(MediaKind.Audio, dts + 5, fragment * 100 + i + 50, 150 + i);
                foreach (var frame in new[] { video, audio })
                {
                    var copy = MediaFrame.Create(frame.Payload.Span, frame.Kind, frame.FrameKind, frame.Dts, frame.CompositionOffset, frame.IsKeyframe,
                        frame.VideoCodec, frame.AudioCodec);
                    kept.Add(copy);
                    Assert.True(referencing.Add(copy));
                    Assert.True(copying.Add(frame));
                    var length = frame.Payload.Length;
                    frame.Release();
                    Assert.True(frame.Payload.IsEmpty);
                    // The pool hands the released array to the next rent: whoever gets it writes over it.
                    var reused = ArrayPool<byte>.Shared.Rent(length);
                    reused.AsSpan().Fill(0xEE);
                    ArrayPool<byte>.Shared.Return(reused);
                }
            }
            Assert.True(copying.PendingBytes > 3 * 64 * 1024);

            var expected = new ArrayBufferWriter<byte>();
            referencing.WriteFragment(expected, nextVideoDts: (fragment + 1) * 2000);
            var header = new ArrayBufferWriter<byte>();
            var payloads = new List<ReadOnlyMemory<byte>>();
            var written = copying.WriteFragment(header, payloads, nextVideoDts: (fragment + 1) * 2000);

            Assert.Equal(expected.WrittenCount, written);
            byte[] joined = [.. header.WrittenSpan, .. payloads.SelectMany(p => p.ToArray())];
            Assert.Equal(expected.WrittenSpan.ToArray(), joined);
            Assert.Equal(2, payloads.Count);
            kept.ForEach(f => f.Release());
        }
    }

    private static Fmp4Track Track(bool video)
    {
        Fmp4Track? track;
        Assert.True(video ? Fmp4Track.TryCreateAvc(AvcRecord, out track) : Fmp4Track.TryCreateAac(AacConfig, out track));
        return track!;
    }

    /// <summary>A frame whose bytes say which frame it is (<paramref name="seed"/>) and where in it they are.</summary>
    private static MediaFrame Patterned(MediaKind kind, long dts, int seed, int length, bool key = false)
    {
        var payload = new byte[length];
        for (var i = 0; i < length; i++)
        {
            payload[i] = (byte)(seed * 31 + i);
        }
        return kind == MediaKind.Video ? Video(dts, 67, key, payload) : Audio(dts, payload);
    }

    [Fact]
    public void Without_the_next_timestamp_the_last_video_sample_lasts_as_long_as_the_one_before()
    {
        using var writer = Writer(audio: false);
        writer.Add(Video(0, 0, true, 1));
        writer.Add(Video(40, 0, false, 2));
        var output = new ArrayBufferWriter<byte>();
        writer.WriteFragment(output);
        writer.Add(Video(80, 0, true, 3));
        writer.WriteFragment(output);
        var file = Read(writer, output.WrittenSpan.ToArray());
        Assert.Equal(2, file.Fragments.Count);
        Assert.Equal([3600u, 3600u], file.Fragments[0].Track(1)!.Samples.Select(s => s.Duration));
        Assert.Equal(7200ul, file.Fragments[1].Track(1)!.BaseMediaDecodeTime); // its own DTS, not a running sum
        Assert.Equal(3000u, file.Fragments[1].Track(1)!.Samples[0].Duration); // a lone sample: 1/30 s
        Assert.Null(file.Fragments[0].Track(2));
        Assert.Equal([1u, 2u], file.Fragments.Select(f => f.SequenceNumber));
    }

    [Fact]
    public void Nothing_queued_writes_nothing_and_non_media_frames_are_not_queued()
    {
        using var writer = Writer(audio: false);
        var output = new ArrayBufferWriter<byte>();
        writer.WriteFragment(output);
        Assert.Equal(0, output.WrittenCount);
        Assert.False(writer.Add(MediaFrame.Create(AvcRecord, MediaKind.Video, MediaFrameKind.SequenceHeader, 0, videoCodec: VideoCodec.H264)));
        Assert.False(writer.Add(MediaFrame.Create(ReadOnlySpan<byte>.Empty, MediaKind.Video, MediaFrameKind.EndOfSequence, 0, videoCodec: VideoCodec.H264)));
        Assert.False(writer.Add(Video(0, 0, true)));
        Assert.False(writer.Add(Audio(0, 1, 2))); // no audio track
        Assert.Equal(0, writer.PendingVideoSamples);
        Assert.Equal(1u, writer.SequenceNumber);
    }

    [Fact]
    public void Decode_times_going_backwards_give_a_zero_duration_not_a_huge_one()
    {
        using var writer = Writer(audio: false);
        writer.Add(Video(100, 0, true, 1));
        writer.Add(Video(90, 0, false, 2));
        var output = new ArrayBufferWriter<byte>();
        writer.WriteFragment(output, nextVideoDts: 120);
        var samples = Read(writer, output.WrittenSpan.ToArray()).Fragments[0].Track(1)!.Samples;
        Assert.Equal([0u, 30 * 90u], samples.Select(s => s.Duration));
    }

    [Fact]
    public void Styp_has_ffmpegs_segment_brands()
    {
        var output = new ArrayBufferWriter<byte>();
        Fmp4SegmentWriter.WriteSegmentType(output);
        Assert.Equal(Convert.FromHexString("00000018" + "73747970" + "6D736468" + "00000000" + "6D736468" + "6D736978"), output.WrittenSpan.ToArray());
    }

    [Fact]
    public void Queuing_and_writing_samples_allocates_nothing_once_warm()
    {
        using var writer = Writer();
        var frames = new List<MediaFrame>();
        for (var i = 0; i < 200; i++)
        {
            frames.Add(Video(i * 33, 66, i % 30 == 0, new byte[500]));
            frames.Add(Audio(i * 23, new byte[200]));
        }
        var output = new ArrayBufferWriter<byte>(1 << 20);
        void Run()
        {
            output.ResetWrittenCount();
            foreach (var frame in frames)
            {
                writer.Add(frame);
            }
            writer.WriteFragment(output, 200 * 33, 200 * 23);
        }
        Run();
        Run();
        var before = GC.GetAllocatedBytesForCurrentThread();
        Run();
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.True(output.WrittenCount > 200 * 700);
    }

    [Fact]
    public void Av1_samples_are_the_temporal_units_without_their_temporal_delimiters()
    {
        // av1C of a 320x240 SVT-AV1 stream, and frames as ffmpeg sends them over Enhanced RTMP: each temporal unit
        // starts with a temporal delimiter (12 00), which an MP4 sample leaves out (AV1-ISOBMFF §2.4; ffmpeg's mp4 muxer
        // drops it too).
        Assert.True(Fmp4Track.TryCreateAv1(Convert.FromHexString("81000C000A0B000000043CFFBC02F80040"), out var track));
        using var writer = new Fmp4SegmentWriter(track, null);
        byte[] key = [0x12, 0x00, 0x0A, 0x01, 0xAA, 0x32, 0x01, 0xBB];
        byte[] showExisting = [0x12, 0x00, 0x1A, 0x01, 0xE8];
        byte[] noDelimiter = [0x32, 0x01, 0xCC];
        Assert.True(writer.Add(MediaFrame.Create(key, MediaKind.Video, MediaFrameKind.Coded, 0, isKeyframe: true, videoCodec: VideoCodec.Av1), 0, 0));
        Assert.True(writer.Add(MediaFrame.Create(showExisting, MediaKind.Video, MediaFrameKind.Coded, 40, videoCodec: VideoCodec.Av1), 3600, 3600));
        Assert.True(writer.Add(MediaFrame.Create(noDelimiter, MediaKind.Video, MediaFrameKind.Coded, 80, videoCodec: VideoCodec.Av1), 7200, 7200));
        Assert.Equal(key.Length - 2 + showExisting.Length - 2 + noDelimiter.Length, writer.PendingBytes);
        var output = new ArrayBufferWriter<byte>();
        writer.WriteFragmentUntil(output, 10_800);

        var file = Read(writer, output.WrittenSpan.ToArray());
        var fragment = Assert.Single(file.Fragments);
        Assert.Equal([.. key[2..], .. showExisting[2..], .. noDelimiter], fragment.Mdat.BodyBytes);
        Assert.Equal([6u, 3u, 3u], fragment.Track(1)!.Samples.Select(s => s.Size));
    }
}
