using System.Buffers;
using StreamHub.Media;
using StreamHub.Media.Flv;
using StreamHub.Tests.Hls.Support;
using Xunit.Abstractions;

namespace StreamHub.Tests.Media.Flv;

/// <summary>A real client reads what the writer made: frames taken from an ffmpeg-made FLV (H.264 with B-frames, AAC)
/// are written back out, and ffprobe must see the same packets in both files.</summary>
public sealed class FlvTagWriterFfmpegTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Ffprobe_sees_the_same_packets_in_the_written_file_as_in_the_ffmpeg_original()
    {
        var input = MediaTools.Flv("flv-writer-av-4s", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25", "-f", "lavfi", "-i",
            "sine=frequency=440:sample_rate=44100", "-t", "4", "-c:v", "libx264", "-preset", "veryfast", "-g", "25", "-bf", "2",
            "-pix_fmt", "yuv420p", "-c:a", "aac", "-ac", "2");
        var frames = FlvFrameReader.ReadFrames(input);
        var path = Path.Combine(Path.GetTempPath(), $"streamhub-flv-writer-{Guid.NewGuid():N}.flv");
        try
        {
            var file = new ArrayBufferWriter<byte>();
            FlvTagWriter.WriteFileHeader(file, hasAudio: true, hasVideo: true);
            FlvTagWriter.WriteMetadata(file, new Dictionary<string, object?>
            {
                ["width"] = 320.0,
                ["height"] = 240.0,
                ["framerate"] = 25.0,
                ["videocodecid"] = 7.0,
                ["audiocodecid"] = 10.0,
            });
            foreach (var frame in frames)
            {
                FlvTagWriter.WriteFrame(file, frame);
                frame.Release();
            }
            await File.WriteAllBytesAsync(path, file.WrittenMemory.ToArray());

            var expected = await PacketsAsync(input);
            var actual = await PacketsAsync(path);
            output.WriteLine($"{frames.Count} frames written; ffprobe packets: original {expected.Length}, written {actual.Length}; " +
                $"video {actual.Count(p => p.StartsWith("video"))}, audio {actual.Count(p => p.StartsWith("audio"))}, " +
                $"video with pts != dts {actual.Count(IsReordered)}");
            Assert.True(expected.Length > 250, $"only {expected.Length} packets in the original");
            Assert.Contains(expected, IsReordered); // B-frames, so composition times are really exercised
            Assert.Equal(expected, actual);

            var decode = await MediaTools.RunAsync(MediaTools.Ffmpeg, ["-v", "error", "-i", path, "-f", "null", "-"]);
            Assert.True(decode.ExitCode == 0, $"ffmpeg exit {decode.ExitCode}: {decode.StandardError}");
            Assert.True(decode.StandardError.Length == 0, $"ffmpeg reported: {decode.StandardError}");
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>One line per packet: codec_type,pts,dts,flags,size.</summary>
    private static async Task<string[]> PacketsAsync(string path)
    {
        var result = await MediaTools.RunAsync(MediaTools.Ffprobe, ["-v", "error", "-show_packets", "-show_entries",
            "packet=codec_type,pts,dts,flags,size", "-of", "csv=p=0", path]);
        Assert.True(result.ExitCode == 0, $"ffprobe failed: {result.StandardError}");
        Assert.True(result.StandardError.Length == 0, $"ffprobe reported: {result.StandardError}");
        return result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    }

    private static bool IsReordered(string packet)
    {
        var fields = packet.Split(',');
        return fields[0] == "video" && fields[1] != fields[2];
    }
}
