using System.Globalization;
using System.Text.Json;
using StreamHub.Tests.Infrastructure;

namespace StreamHub.Tests.Recording;

/// <summary>What ffprobe and ffmpeg (Debian's) make of a recording file.</summary>
public static class RecordingProbe
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(90);

    /// <summary>The container duration, and each stream's codec.</summary>
    public static async Task<(double Duration, string[] Codecs)> ProbeAsync(string path)
    {
        var ffprobe = ExternalProcess.Require("ffprobe", "ffmpeg");
        var result = await ExternalProcess.RunAsync(ffprobe, ["-v", "error", "-show_entries", "format=duration:stream=codec_name", "-of", "json", path], Limit);
        Assert.True(result.ExitCode == 0, result.Output);
        using var json = JsonDocument.Parse(result.StandardOutput);
        var duration = double.Parse(json.RootElement.GetProperty("format").GetProperty("duration").GetString()!, CultureInfo.InvariantCulture);
        var codecs = json.RootElement.GetProperty("streams").EnumerateArray().Select(s => s.GetProperty("codec_name").GetString()!).ToArray();
        return (duration, codecs);
    }

    /// <summary>Decodes every frame of every stream (<c>-xerror</c>: stops at the first error); returns the video frames
    /// decoded and what ffmpeg printed at level error.</summary>
    public static async Task<(int ExitCode, int VideoFrames, string Errors)> DecodeAsync(string path)
    {
        var ffmpeg = ExternalProcess.Require("ffmpeg", "ffmpeg");
        var result = await ExternalProcess.RunAsync(ffmpeg,
            ["-hide_banner", "-nostdin", "-v", "error", "-xerror", "-i", path, "-map", "0", "-f", "null", "-", "-map", "0:v:0?", "-f", "framemd5", "-"], Limit);
        var frames = result.StandardOutput.Split('\n').Count(line => line.Length > 0 && line[0] != '#');
        return (result.ExitCode, frames, result.StandardError.Trim());
    }

    /// <summary>The video frame count the publisher reported (the last <c>frame=</c> of its stats line).</summary>
    public static int PublishedFrames(string publisherOutput)
    {
        var match = System.Text.RegularExpressions.Regex.Matches(publisherOutput, @"frame=\s*(\d+)");
        Assert.True(match.Count > 0, "the publisher printed no frame count:\n" + publisherOutput);
        return int.Parse(match[^1].Groups[1].Value, CultureInfo.InvariantCulture);
    }
}
