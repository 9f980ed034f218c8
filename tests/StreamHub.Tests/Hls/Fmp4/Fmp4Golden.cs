using System.Buffers;
using StreamHub.Hls.Fmp4;
using StreamHub.Media;
using StreamHub.Tests.Hls.Support;

namespace StreamHub.Tests.Hls.Fmp4;

/// <summary>What the golden tests share: ffmpeg's own fragmented MP4 for an input, and ours for the same frames.</summary>
public static class Fmp4Golden
{
    /// <summary>ffmpeg's CMAF output as the issue names it, with the video timescale StreamHub uses (ffmpeg would
    /// otherwise take 16 kHz from FLV's millisecond clock).</summary>
    public static readonly string[] CmafArguments =
        ["-f", "mp4", "-movflags", "cmaf+frag_keyframe+empty_moov+default_base_moof", "-video_track_timescale", "90000"];

    public static async Task<byte[]> FfmpegAsync(string directory, string name, params string[] arguments)
    {
        var path = Path.Combine(directory, name);
        var result = await MediaTools.RunAsync(MediaTools.Ffmpeg, ["-v", "error", "-y", .. arguments, .. CmafArguments, path], timeoutSeconds: 60);
        Assert.True(result.ExitCode == 0, $"ffmpeg failed: {result.StandardError}");
        return File.ReadAllBytes(path);
    }

    /// <summary>Our init segment and fragments for a publisher's frames, cut as ffmpeg's <c>frag_keyframe</c> cuts:
    /// before every video keyframe but the first, with the frames before it in arrival order. Each fragment is
    /// preceded by a <c>styp</c>, as a segment would be. The last sample of each track takes the next frame's DTS.</summary>
    public static byte[] Write(IReadOnlyList<MediaFrame> frames, Fmp4Track? video, Fmp4Track? audio)
    {
        var output = new ArrayBufferWriter<byte>();
        using var writer = new Fmp4SegmentWriter(video, audio);
        writer.WriteInitSegment(output);
        var coded = frames.Where(f => f.FrameKind == MediaFrameKind.Coded).ToList();
        for (var i = 0; i < coded.Count; i++)
        {
            var frame = coded[i];
            if (frame.Kind == MediaKind.Video && frame.IsKeyframe && writer.PendingVideoSamples + writer.PendingAudioSamples > 0)
            {
                var nextAudio = coded.Skip(i).FirstOrDefault(f => f.Kind == MediaKind.Audio);
                Fmp4SegmentWriter.WriteSegmentType(output);
                writer.WriteFragment(output, frame.Dts, nextAudio?.Dts ?? Fmp4SegmentWriter.NoTimestamp);
            }
            writer.Add(frame);
        }
        Fmp4SegmentWriter.WriteSegmentType(output);
        writer.WriteFragment(output);
        return output.WrittenSpan.ToArray();
    }

    /// <summary>The frames a publisher would have sent for the video track of an fMP4 file that ffmpeg wrote at
    /// 90 kHz (timestamps multiples of a millisecond): DTS and composition offsets in ms, keyframe flag, payload.</summary>
    public static List<MediaFrame> VideoFrames(Fmp4File file, VideoCodec codec)
    {
        var frames = new List<MediaFrame>();
        foreach (var (fragment, sample) in file.Samples(1))
        {
            Assert.True(sample.DecodeTime % 90 == 0 && sample.CompositionOffset % 90 == 0, "the clip's timestamps must be whole milliseconds");
            frames.Add(MediaFrame.Create(file.SampleBytes(fragment, sample), MediaKind.Video, MediaFrameKind.Coded, sample.DecodeTime / 90,
                sample.CompositionOffset / 90, isKeyframe: (sample.Flags & 0x00010000) == 0, videoCodec: codec));
        }
        return frames;
    }

    /// <summary>Per-sample fields of a track across the whole file, for comparing lists with a readable diff.</summary>
    public static List<string> Describe(Fmp4File file, uint trackId, long decodeTimeShift = 0, int compositionShift = 0) =>
        file.Fragments.SelectMany(f => f.Track(trackId)?.Samples.Select(s =>
            $"#{f.SequenceNumber} dts {s.DecodeTime + decodeTimeShift} dur {s.Duration} size {s.Size} flags {s.Flags:X8} cts {s.CompositionOffset + compositionShift}") ?? []).ToList();

    public static async Task<string> WriteFileAsync(string directory, string name, byte[] bytes)
    {
        var path = Path.Combine(directory, name);
        await File.WriteAllBytesAsync(path, bytes);
        return path;
    }

    /// <summary>A full decode with ffmpeg: no error, no warning.</summary>
    public static async Task AssertDecodesCleanlyAsync(string path)
    {
        var result = await MediaTools.RunAsync(MediaTools.Ffmpeg, ["-v", "warning", "-i", path, "-f", "null", "-"], timeoutSeconds: 60);
        Assert.True(result.ExitCode == 0 && result.StandardError.Trim().Length == 0, $"ffmpeg decode: {result.StandardError}");
    }
}
