using System.Text.Json;
using StreamHub.Tests.Infrastructure;

namespace StreamHub.Tests.Rtmp.Playback;

/// <summary>One packet as ffprobe's <c>-show_packets</c> reports it (FLV and RTMP: milliseconds).</summary>
public sealed record ProbedPacket(string Kind, long Pts, long Dts, int Size, bool Keyframe)
{
    /// <summary>ffprobe's packets of <paramref name="input"/> (a file, or a live URL read for <paramref name="packets"/> packets).</summary>
    public static async Task<List<ProbedPacket>> ProbeAsync(string input, int? packets = null)
    {
        var ffprobe = ExternalProcess.Require("ffprobe", "ffmpeg");
        string[] limit = packets is { } count ? ["-read_intervals", $"%+#{count}"] : [];
        var result = await ExternalProcess.RunAsync(ffprobe,
            ["-v", "error", .. limit, "-show_entries", "packet=codec_type,pts,dts,size,flags", "-of", "json", input], PlaybackServerFixture.ClientLimit);
        Assert.True(result.ExitCode == 0, $"ffprobe {input} exited {result.ExitCode}:\n{result.StandardError}");
        using var json = JsonDocument.Parse(result.StandardOutput);
        return json.RootElement.GetProperty("packets").EnumerateArray().Where(p => p.TryGetProperty("dts", out _)).Select(p => new ProbedPacket(
            p.GetProperty("codec_type").GetString()!,
            p.GetProperty("pts").GetInt64(),
            p.GetProperty("dts").GetInt64(),
            int.Parse(p.GetProperty("size").GetString()!),
            p.GetProperty("flags").GetString()!.StartsWith('K'))).ToList();
    }
}
