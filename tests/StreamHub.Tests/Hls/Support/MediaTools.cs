using System.Text.Json;

using StreamHub.Tests.Infrastructure;

namespace StreamHub.Tests.Hls.Support;

/// <summary>Runs ffmpeg and ffprobe with a time limit; a process still running at the limit (or when the test fails)
/// is killed with its children.</summary>
public static class MediaTools
{
    public const string Ffmpeg = "/usr/bin/ffmpeg";
    public const string Ffprobe = "/usr/bin/ffprobe";

    private static readonly Lock GenerateGate = new();
    /// <summary>One folder for the whole machine, reused by every run: each file is named after its arguments, so it
    /// is made once and the folder stays small (a few MB).</summary>
    private static readonly string CacheDirectory = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), "streamhub-hls-test-media")).FullName;

    public static Task<ExternalProcess.Result> RunAsync(string fileName, IEnumerable<string> arguments, string? workingDirectory = null, int timeoutSeconds = 30) =>
        ExternalProcess.RunAsync(fileName, arguments, TimeSpan.FromSeconds(timeoutSeconds), workingDirectory);

    /// <summary>An FLV made by ffmpeg from lavfi sources, generated once per argument set.</summary>
    public static string Flv(string name, params string[] arguments)
    {
        var key = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(string.Join('\n', arguments))))[..12];
        var path = Path.Combine(CacheDirectory, $"{name}-{key}.flv");
        lock (GenerateGate)
        {
            if (!File.Exists(path))
            {
                var part = $"{path}.{Guid.NewGuid():N}.part";
                try
                {
                    var result = RunAsync(Ffmpeg, ["-v", "error", "-y", .. arguments, "-f", "flv", part]).GetAwaiter().GetResult();
                    Assert.True(result.ExitCode == 0, $"ffmpeg failed: {result.StandardError}");
                    File.Move(part, path, overwrite: true);
                }
                finally
                {
                    File.Delete(part);
                }
            }
        }
        return path;
    }

    /// <summary>ffprobe's view of a playlist: its streams, and the frames it reads from each.</summary>
    public static async Task<JsonElement[]> ProbeStreamsAsync(string playlist)
    {
        var result = await RunAsync(Ffprobe, ["-v", "error", "-count_frames", "-show_entries",
            "stream=codec_type,codec_name,profile,width,height,sample_rate,channels,nb_read_frames", "-of", "json", playlist]);
        Assert.True(result.ExitCode == 0, $"ffprobe failed: {result.StandardError}");
        Assert.True(result.StandardError.Length == 0, $"ffprobe reported: {result.StandardError}");
        using var json = JsonDocument.Parse(result.StandardOutput);
        return json.RootElement.GetProperty("streams").EnumerateArray().Select(s => s.Clone()).ToArray();
    }
}
