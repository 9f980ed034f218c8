using StreamHub.Hls.Fmp4;
using StreamHub.Media;
using StreamHub.Tests.Hls.Support;

namespace StreamHub.Tests.Hls.Fmp4;

/// <summary>An H.264 (B-frames, GOP 30) + AAC clip as a publisher sends it (FLV tags turned into MediaFrames as RTMP
/// ingest does), written by our fMP4 writer and by ffmpeg (<c>-c copy -movflags cmaf+frag_keyframe</c>), compared
/// box by box. Intentional differences, each asserted rather than skipped:
/// <list type="bullet">
/// <item>ffmpeg writes <c>udta</c> (encoder name), <c>btrt</c> (bitrates) and <c>pasp</c> (1:1); we do not.</item>
/// <item><c>mp4a</c> channelcount: ffmpeg writes 2 always (the ISO template value); we write the AudioSpecificConfig's
/// channel count (1 for this mono clip), as ISO/IEC 14496-12:2015 and CMAF describe the field.</item>
/// <item><c>mvhd</c> next_track_ID: ffmpeg 2, we 3 (one more than the largest track id, as the field is defined).</item>
/// <item>Composition offsets: ffmpeg subtracts the first video sample's offset from every sample (its first picture
/// is presented at its decode time); we keep the publisher's offsets, so presentation times are the publisher's PTS
/// and audio stays in sync without an edit list. The difference is one constant: the first frame's offset.</item>
/// <item>Audio <c>tfdt</c>: ffmpeg moves each track's first decode time to 0; we keep the publisher's clock, so the
/// difference is the first audio frame's timestamp in samples, the same in every fragment.</item>
/// <item>The stream's last audio frame lasts 1024 samples (an AAC frame) here, 1014 in ffmpeg (the FLV packet's
/// 23 ms): nothing follows it to measure by.</item>
/// <item>How defaults are signalled (tfhd default duration/size/flags, first_sample_flags) differs; the resolved
/// per-sample values are compared.</item>
/// </list></summary>
public sealed class Fmp4H264AacGoldenTests : IDisposable
{
    private static readonly string[] Clip =
    [
        "-f", "lavfi", "-i", "testsrc=size=320x240:rate=30", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100",
        "-t", "3", "-c:v", "libx264", "-bf", "2", "-g", "30", "-keyint_min", "30", "-sc_threshold", "0", "-pix_fmt", "yuv420p",
        "-c:a", "aac", "-b:a", "64k",
    ];

    private const uint AudioBitrate = 64000;

    private readonly string _directory = Directory.CreateTempSubdirectory("streamhub-fmp4-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private sealed record Outputs(Fmp4File Ours, Fmp4File Ffmpeg, List<MediaFrame> Frames, byte[] OurBytes);

    private async Task<Outputs> WriteBothAsync()
    {
        var flv = MediaTools.Flv("fmp4-h264-aac", Clip);
        var ffmpeg = await Fmp4Golden.FfmpegAsync(_directory, "ffmpeg.mp4", "-i", flv, "-c", "copy");
        var frames = FlvFrameReader.ReadFrames(flv);
        Assert.True(Fmp4Track.TryCreate(frames.First(f => f.Kind == MediaKind.Video && f.FrameKind == MediaFrameKind.SequenceHeader), out var video));
        var audioHeader = frames.First(f => f.Kind == MediaKind.Audio && f.FrameKind == MediaFrameKind.SequenceHeader);
        Assert.True(Fmp4Track.TryCreateAac(audioHeader.Payload.Span, out var audio, averageBitrate: AudioBitrate));
        var ours = Fmp4Golden.Write(frames, video, audio);
        return new Outputs(Fmp4File.Read(ours), Fmp4File.Read(ffmpeg), frames, ours);
    }

    [Fact]
    public async Task Init_segment_has_ffmpegs_box_tree_and_codec_configuration()
    {
        var (ours, ffmpeg, frames, _) = await WriteBothAsync();
        var ourInit = ours.Boxes.Where(b => b.Type is "ftyp" or "moov").ToList();
        var ffmpegInit = ffmpeg.Boxes.Where(b => b.Type is "ftyp" or "moov").ToList();
        Assert.Equal(Mp4Box.Tree(ffmpegInit, "udta", "btrt", "pasp"), Mp4Box.Tree(ourInit));
        Assert.DoesNotContain(ours.Moov.Descendants(), b => b.Type == "edts");

        Assert.Equal(ffmpegInit[0].Bytes, ourInit[0].Bytes); // ftyp: iso6, 0x200, [iso6 cmfc mp41]
        var mvhdOurs = ours.Moov.Child("mvhd").BodyBytes;
        var mvhdFfmpeg = ffmpeg.Moov.Child("mvhd").BodyBytes;
        Assert.Equal(mvhdFfmpeg[..^4], mvhdOurs[..^4]);
        Assert.Equal(3u, ours.Moov.Child("mvhd").U32(96));

        foreach (var trackId in new uint[] { 1, 2 })
        {
            var ourTrak = ours.Trak(trackId);
            var ffmpegTrak = ffmpeg.Trak(trackId);
            // tkhd (ids, flags, alternate group, volume, 320x240), mdhd (timescale 90000 / 44100), hdlr, vmhd/smhd,
            // dref, and the empty sample tables: byte for byte.
            foreach (var type in new[] { "tkhd", "mdhd", "hdlr", "vmhd", "smhd", "dref", "stts", "stsc", "stsz", "stco" })
            {
                var ourBox = ourTrak.Descendants().FirstOrDefault(b => b.Type == type);
                var ffmpegBox = ffmpegTrak.Descendants().FirstOrDefault(b => b.Type == type);
                Assert.Equal(ffmpegBox?.Bytes, ourBox?.Bytes);
            }
            Assert.Equal(ffmpeg.Trex(trackId)!.Bytes, ours.Trex(trackId)!.Bytes);
        }
        Assert.Equal(90000u, ours.Trak(1).Find("mdhd").U32(12));
        Assert.Equal(44100u, ours.Trak(2).Find("mdhd").U32(12));
        Assert.Equal(320u << 16, ours.Trak(1).Child("tkhd").U32(76));
        Assert.Equal(240u << 16, ours.Trak(1).Child("tkhd").U32(80));

        // avc1: every fixed field and the avcC, which is the publisher's sequence header payload as is.
        var avc1 = ours.Trak(1).Find("avc1");
        Assert.Equal(ffmpeg.Trak(1).Find("avc1").Body[..78].ToArray(), avc1.Body[..78].ToArray());
        var avcC = ours.Trak(1).Find("avcC");
        Assert.Equal(ffmpeg.Trak(1).Find("avcC").Bytes, avcC.Bytes);
        Assert.Equal(frames.First(f => f.Kind == MediaKind.Video && f.FrameKind == MediaFrameKind.SequenceHeader).Payload.ToArray(), avcC.BodyBytes);

        // mp4a: the same fields but channelcount; esds byte for byte.
        var mp4a = ours.Trak(2).Find("mp4a").Body[..28].ToArray();
        var ffmpegMp4a = ffmpeg.Trak(2).Find("mp4a").Body[..28].ToArray();
        Assert.Equal(1, mp4a[16] << 8 | mp4a[17]);
        Assert.Equal(2, ffmpegMp4a[16] << 8 | ffmpegMp4a[17]);
        mp4a[17] = 2;
        Assert.Equal(ffmpegMp4a, mp4a);
        Assert.Equal(ffmpeg.Trak(2).Find("esds").Bytes, ours.Trak(2).Find("esds").Bytes);
    }

    [Fact]
    public async Task Fragments_have_ffmpegs_samples_timing_and_bytes()
    {
        var (ours, ffmpeg, frames, _) = await WriteBothAsync();
        Assert.Equal(ffmpeg.Fragments.Count, ours.Fragments.Count);
        Assert.Equal(3, ours.Fragments.Count);
        Assert.Equal(ours.Fragments.Count, ours.Boxes.Count(b => b.Type == "styp"));

        var firstVideo = frames.First(f => f.Kind == MediaKind.Video && f.FrameKind == MediaFrameKind.Coded);
        var firstAudio = frames.First(f => f.Kind == MediaKind.Audio && f.FrameKind == MediaFrameKind.Coded);
        var compositionShift = firstVideo.CompositionOffset * 90;
        var audioShift = (long)Math.Round(firstAudio.Dts * 44100 / 1000.0, MidpointRounding.AwayFromZero);
        Assert.True(compositionShift > 0, "the clip must start with a composition offset (B-frames)");

        Assert.Equal(Fmp4Golden.Describe(ffmpeg, 1, compositionShift: compositionShift), Fmp4Golden.Describe(ours, 1));
        // The stream's very last audio frame: ffmpeg takes the FLV packet's 23 ms (1014 samples), we the AAC frame
        // length. Every other duration is ffmpeg's, its 1017/1018-sample corrections included.
        var ourAudio = Fmp4Golden.Describe(ours, 2);
        var ffmpegAudio = Fmp4Golden.Describe(ffmpeg, 2, decodeTimeShift: audioShift);
        Assert.Equal(ffmpegAudio[..^1], ourAudio[..^1]);
        Assert.Equal(ffmpegAudio[^1].Replace("dur 1014", "dur 1024"), ourAudio[^1]);
        Assert.Contains(ourAudio, s => !s.Contains("dur 1024"));
        Assert.Contains(ours.Samples(1), s => s.Sample.CompositionOffset < 0 || s.Sample.CompositionOffset > compositionShift);

        for (var i = 0; i < ours.Fragments.Count; i++)
        {
            Assert.Equal((uint)(i + 1), ours.Fragments[i].SequenceNumber);
            Assert.Equal(ffmpeg.Fragments[i].Mdat.BodyBytes, ours.Fragments[i].Mdat.BodyBytes);
            Assert.Equal(ffmpeg.Fragments[i].Track(1)!.BaseMediaDecodeTime, ours.Fragments[i].Track(1)!.BaseMediaDecodeTime);
            Assert.Equal(ffmpeg.Fragments[i].Track(2)!.BaseMediaDecodeTime + (ulong)audioShift, ours.Fragments[i].Track(2)!.BaseMediaDecodeTime);
            var trun = ours.Fragments[i].Moof.Find("trun");
            Assert.Equal(1, trun.Version); // signed composition offsets
        }
        Assert.Equal(frames.Count(f => f.Kind == MediaKind.Video && f.FrameKind == MediaFrameKind.Coded), ours.Samples(1).Count());
        Assert.Equal(frames.Count(f => f.Kind == MediaKind.Audio && f.FrameKind == MediaFrameKind.Coded), ours.Samples(2).Count());
    }

    [Fact]
    public async Task Ffprobe_and_ffmpeg_decode_our_output_with_the_publishers_frame_count()
    {
        var (_, _, frames, bytes) = await WriteBothAsync();
        var path = await Fmp4Golden.WriteFileAsync(_directory, "ours.mp4", bytes);
        var streams = await MediaTools.ProbeStreamsAsync(path);
        var video = streams.Single(s => s.GetProperty("codec_type").GetString() == "video");
        var audio = streams.Single(s => s.GetProperty("codec_type").GetString() == "audio");
        Assert.Equal("h264", video.GetProperty("codec_name").GetString());
        Assert.Equal(320, video.GetProperty("width").GetInt32());
        Assert.Equal(240, video.GetProperty("height").GetInt32());
        Assert.Equal("aac", audio.GetProperty("codec_name").GetString());
        Assert.Equal("44100", audio.GetProperty("sample_rate").GetString());
        Assert.Equal(frames.Count(f => f.Kind == MediaKind.Video && f.FrameKind == MediaFrameKind.Coded).ToString(),
            video.GetProperty("nb_read_frames").GetString());
        Assert.Equal(frames.Count(f => f.Kind == MediaKind.Audio && f.FrameKind == MediaFrameKind.Coded).ToString(),
            audio.GetProperty("nb_read_frames").GetString());
        await Fmp4Golden.AssertDecodesCleanlyAsync(path);
    }

    [Fact]
    public async Task Short_fragments_cut_anywhere_like_low_latency_parts_decode_with_every_frame()
    {
        var flv = MediaTools.Flv("fmp4-h264-aac", Clip);
        var frames = FlvFrameReader.ReadFrames(flv);
        Assert.True(Fmp4Track.TryCreate(frames.First(f => f.Kind == MediaKind.Video && f.FrameKind == MediaFrameKind.SequenceHeader), out var video));
        Assert.True(Fmp4Track.TryCreate(frames.First(f => f.Kind == MediaKind.Audio && f.FrameKind == MediaFrameKind.SequenceHeader), out var audio));
        var output = new System.Buffers.ArrayBufferWriter<byte>();
        using var writer = new Fmp4SegmentWriter(video, audio);
        writer.WriteInitSegment(output);
        long partStart = -1;
        foreach (var frame in frames.Where(f => f.FrameKind == MediaFrameKind.Coded))
        {
            // A part every 333 ms of video, whatever the frame; a segment (styp) where a part starts on a keyframe.
            if (frame.Kind == MediaKind.Video && (partStart < 0 || frame.Dts - partStart >= 333))
            {
                if (partStart >= 0)
                {
                    writer.WriteFragment(output, nextVideoDts: frame.Dts);
                }
                if (frame.IsKeyframe)
                {
                    Fmp4SegmentWriter.WriteSegmentType(output);
                }
                partStart = frame.Dts;
            }
            writer.Add(frame);
        }
        writer.WriteFragment(output);

        var file = Fmp4File.Read(output.WrittenSpan.ToArray());
        Assert.InRange(file.Fragments.Count, 9, 10);
        Assert.Contains(file.Fragments, f => f.Track(1)!.Samples[0].Flags == Fmp4SampleFlags.NonSync);
        // The parts tile the timeline: each one's tfdt is where the previous one ended.
        for (var i = 1; i < file.Fragments.Count; i++)
        {
            var previous = file.Fragments[i - 1].Track(1)!.Samples[^1];
            Assert.Equal(previous.DecodeTime + previous.Duration, (long)file.Fragments[i].Track(1)!.BaseMediaDecodeTime);
        }
        var path = await Fmp4Golden.WriteFileAsync(_directory, "parts.mp4", output.WrittenSpan.ToArray());
        var streams = await MediaTools.ProbeStreamsAsync(path);
        Assert.Equal(frames.Count(f => f.Kind == MediaKind.Video && f.FrameKind == MediaFrameKind.Coded).ToString(),
            streams.Single(s => s.GetProperty("codec_type").GetString() == "video").GetProperty("nb_read_frames").GetString());
        Assert.Equal(frames.Count(f => f.Kind == MediaKind.Audio && f.FrameKind == MediaFrameKind.Coded).ToString(),
            streams.Single(s => s.GetProperty("codec_type").GetString() == "audio").GetProperty("nb_read_frames").GetString());
        await Fmp4Golden.AssertDecodesCleanlyAsync(path);
    }
}
