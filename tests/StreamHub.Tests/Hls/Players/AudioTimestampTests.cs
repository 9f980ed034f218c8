using System.Globalization;
using System.Text.Json;
using StreamHub.Tests.Hls.Support;
using StreamHub.Tests.Infrastructure;
using Xunit.Abstractions;

namespace StreamHub.Tests.Hls.Players;

/// <summary>Audio timestamps follow the sample count: consecutive AAC frames (1024 samples each) are 1024 samples of
/// 90 kHz ticks apart, within and across segments, as ffprobe reads them from the segments of a live publish. Players
/// (VLC, hls.js in low-latency mode) see timestamps rounded to whole milliseconds as holes and overlaps.</summary>
[Collection(PlayersCollection.Name)]
public sealed class AudioTimestampTests(ITestOutputHelper output)
{
    private const int SamplesPerFrame = 1024;
    private const int MinSegments = 4;

    [Theory]
    [InlineData(48_000)]
    [InlineData(44_100)]
    public async Task Consecutive_aac_frames_are_1024_samples_apart_in_90_khz_ticks_across_segments(int sampleRate)
    {
        await using var host = StreamHubHost.Start(new Dictionary<string, string?> { ["StreamHub:Hls:Container"] = "Ts" }); // reads PES timestamps
        var (name, key) = await host.CreateStreamAsync($"audio{sampleRate}");
        await using var publisher = LivePublisher.Start($"publisher ({sampleRate} Hz)", $"rtmp://127.0.0.1:{host.RtmpPort}/live/{key}",
            gopFrames: 60, sampleRate);
        var playlist = await WaitForSegmentsAsync(publisher, new Uri(host.HttpBase, $"/hls/{name}/index.m3u8"));

        // 1024 samples at 90 kHz: 1920 ticks at 48 kHz; 2089.8 at 44.1 kHz, so 2089 or 2090 from one frame to the next.
        var exact = SamplesPerFrame * 90_000.0 / sampleRate;
        var (low, high) = ((int)Math.Floor(exact) - 1, (int)Math.Ceiling(exact) + 1);
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var folder = Directory.CreateTempSubdirectory("streamhub-audio-pts-").FullName;
        var problems = new List<string>();
        var frames = 0;
        var steps = new SortedDictionary<long, int>();
        try
        {
            (long Sequence, long Pts)? previous = null;
            foreach (var segment in playlist.Segments)
            {
                var file = Path.Combine(folder, $"{segment.Sequence}.ts");
                await File.WriteAllBytesAsync(file, await client.GetByteArrayAsync(segment.Uri));
                var timestamps = await AudioPtsAsync(file);
                Assert.True(timestamps.Count > 0, $"segment {segment.Sequence} has no audio packets");
                frames += timestamps.Count;
                for (var i = 0; i < timestamps.Count; i++)
                {
                    if (previous is { } p)
                    {
                        var difference = timestamps[i] - p.Pts;
                        steps[difference] = steps.GetValueOrDefault(difference) + 1;
                        if (difference < low || difference > high)
                        {
                            var where = p.Sequence == segment.Sequence
                                ? $"segment {segment.Sequence}, AAC frames {i - 1} -> {i}"
                                : $"across segments {p.Sequence} -> {segment.Sequence} (last frame -> first)";
                            problems.Add($"{where}: PTS {p.Pts} -> {timestamps[i]} differ by {difference} ticks");
                        }
                    }
                    previous = (segment.Sequence, timestamps[i]);
                }
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
        publisher.AssertRunning();
        var seen = string.Join(", ", steps.Select(s => $"{s.Key} x{s.Value}"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{sampleRate} Hz: {frames} AAC frames in {playlist.Segments.Count} segments; PTS steps (ticks x times): {seen}"));
        Assert.True(problems.Count == 0,
            string.Create(CultureInfo.InvariantCulture, $"{sampleRate} Hz: {problems.Count} of {frames - 1} steps between consecutive AAC frames are not 1024 samples ") +
            $"({exact:0.0} ticks, allowed {low}..{high}); steps seen (ticks x times): {seen}\n{string.Join('\n', problems.Take(20))}" +
            (problems.Count > 20 ? $"\n... and {problems.Count - 20} more" : ""));
    }

    private static async Task<List<long>> AudioPtsAsync(string file)
    {
        var result = await MediaTools.RunAsync(ExternalProcess.Require("ffprobe", "ffmpeg"),
            ["-v", "error", "-select_streams", "a", "-show_entries", "packet=pts", "-of", "json", file]);
        Assert.True(result.ExitCode == 0, $"ffprobe failed on {file}: {result.StandardError}");
        using var json = JsonDocument.Parse(result.StandardOutput);
        return json.RootElement.GetProperty("packets").EnumerateArray()
            .Select(p => p.TryGetProperty("pts", out var pts) ? pts.GetInt64() : throw new InvalidOperationException($"An audio packet without PTS in {file}"))
            .ToList();
    }

    private static async Task<LivePlaylist> WaitForSegmentsAsync(BackgroundProcess publisher, Uri url)
    {
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(40);
        LivePlaylist? playlist = null;
        while (DateTime.UtcNow < deadline)
        {
            publisher.AssertRunning();
            playlist = await LivePlaylist.TryGetAsync(client, url);
            if (playlist is not null && playlist.Segments.Count >= MinSegments)
            {
                return playlist;
            }
            await Task.Delay(250);
        }
        Assert.Fail($"{url} did not list {MinSegments} segments within 40 s (it listed {playlist?.Segments.Count ?? 0}).\n{publisher.Output}");
        return null!;
    }
}
