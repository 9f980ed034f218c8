using System.Diagnostics;
using System.Text.RegularExpressions;

namespace StreamHub.LoadTest;

/// <summary>An HLS viewer as a player that is not low-latency behaves: it reloads the playlist every target duration
/// and fetches each segment it has not had yet (from the newest one when it starts), the init segment once.</summary>
public sealed partial class HlsPollingViewer(HttpClient http, string playlistUrl, SegmentTimes times)
{
    public async Task RunAsync(TimeSpan reload, CancellationToken stop)
    {
        string? last = null;
        var initialised = false;
        try
        {
            await Task.Delay(Random.Shared.Next((int)reload.TotalMilliseconds), stop);
            while (!stop.IsCancellationRequested)
            {
                var started = Stopwatch.GetTimestamp();
                try
                {
                    var playlist = await http.GetStringAsync(playlistUrl, stop);
                    times.Playlist();
                    if (!initialised && MapUri().Match(playlist) is { Success: true } map)
                    {
                        await FetchAsync(map.Groups[1].Value, record: false, stop);
                        initialised = true;
                    }
                    var segments = Segments(playlist);
                    var from = last is null ? segments.Count - 1 : segments.IndexOf(last) + 1;
                    for (var i = Math.Max(0, from); i < segments.Count; i++)
                    {
                        await FetchAsync(segments[i], record: true, stop);
                        last = segments[i];
                    }
                }
                catch (HttpRequestException)
                {
                    times.Failure();
                }
                catch (TaskCanceledException) when (!stop.IsCancellationRequested)
                {
                    times.Failure();
                }
                var wait = reload - Stopwatch.GetElapsedTime(started);
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait, stop);
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
    }

    private async Task FetchAsync(string uri, bool record, CancellationToken stop)
    {
        var started = Stopwatch.GetTimestamp();
        using var response = await http.GetAsync(new Uri(new Uri(playlistUrl), uri), HttpCompletionOption.ResponseContentRead, stop);
        var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        if (!response.IsSuccessStatusCode)
        {
            times.Failure();
            return;
        }
        if (record)
        {
            times.Segment(uri, elapsed);
        }
    }

    /// <summary>The whole segments a playlist lists, oldest first (URI lines; parts are in tags).</summary>
    public static List<string> Segments(string playlist) =>
        [.. playlist.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0 && l[0] != '#')];

    [GeneratedRegex("#EXT-X-MAP:URI=\"([^\"]+)\"")]
    private static partial Regex MapUri();
}
