using System.Globalization;

namespace StreamHub.LoadTest;

/// <summary>Polls the playlists of a sample of streams every 100 ms from one loop. When a segment URI appears, its end
/// is worked out from the EXTINF durations since the stream's first keyframe (re-anchored on the nearest keyframe the
/// publisher sent, each time) and the delay is the time between the publisher handing that closing keyframe to its
/// socket and the poll that first saw the segment. The 100 ms poll period adds 50 ms on average.</summary>
public sealed class PlaylistMonitor : IAsyncDisposable
{
    public static readonly TimeSpan Period = TimeSpan.FromMilliseconds(100);

    private readonly ServerUnderTest _server;
    private readonly Watched[] _watched;
    private readonly HttpClient _http;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private readonly List<(long SeenAt, long Delay)> _delays = [];

    public PlaylistMonitor(ServerUnderTest server, IEnumerable<Publisher> sample, HttpClient http)
    {
        _server = server;
        _http = http;
        _watched = [.. sample.Select(p => new Watched(p))];
        _loop = Task.Run(RunAsync);
    }

    public int Unmatched { get; private set; }

    /// <summary>Delays (ms) of segments first seen at or after <paramref name="from"/> (Pacer clock).</summary>
    public long[] DelaysSince(long from)
    {
        lock (_delays)
        {
            return [.. _delays.Where(d => d.SeenAt >= from).Select(d => d.Delay)];
        }
    }

    private async Task RunAsync()
    {
        using var timer = new PeriodicTimer(Period);
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token))
            {
                foreach (var watched in _watched)
                {
                    if (watched.Request.IsCompleted)
                    {
                        watched.Request = PollAsync(watched);
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
        await Task.WhenAll(_watched.Select(w => w.Request));
    }

    private async Task PollAsync(Watched watched)
    {
        string text;
        try
        {
            using var response = await _http.GetAsync(_server.PlaylistUrl(watched.Publisher.Name), _stop.Token);
            if (!response.IsSuccessStatusCode)
            {
                return;
            }
            text = await response.Content.ReadAsStringAsync(_stop.Token);
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException)
        {
            return;
        }
        var seenAt = Pacer.Now;
        var playlist = Playlist.Parse(text);
        if (playlist.Entries.Count == 0 || watched.Lost)
        {
            return;
        }
        if (watched.LastSequence is null)
        {
            // The first playlist: its first segment starts at the stream's first keyframe; nothing in it is timed,
            // as it may have been listed before this poll.
            if (watched.Publisher.FirstKeyframe < 0)
            {
                return;
            }
            watched.End = watched.Publisher.FirstKeyframe;
            foreach (var entry in playlist.Entries)
            {
                Advance(watched, entry, seenAt, timed: false);
            }
            return;
        }
        foreach (var entry in playlist.Entries)
        {
            if (entry.Sequence <= watched.LastSequence)
            {
                continue;
            }
            if (entry.Sequence != watched.LastSequence + 1)
            {
                watched.Lost = true; // a segment slid out of the window unseen: the end times are unknown from here
                return;
            }
            Advance(watched, entry, seenAt, timed: true);
        }
    }

    private void Advance(Watched watched, Playlist.Entry entry, long seenAt, bool timed)
    {
        var end = watched.End + (long)Math.Round(entry.Duration * 1000);
        watched.LastSequence = entry.Sequence;
        if (watched.Publisher.FindKeyframe(end, 300) is { } keyframe)
        {
            watched.End = keyframe.Timestamp;
            if (timed)
            {
                lock (_delays)
                {
                    _delays.Add((seenAt, seenAt - keyframe.SentAt));
                }
            }
        }
        else
        {
            watched.End = end;
            Unmatched++;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        _stop.Dispose();
    }

    private sealed class Watched(Publisher publisher)
    {
        public Publisher Publisher { get; } = publisher;
        public Task Request { get; set; } = Task.CompletedTask;
        public long? LastSequence { get; set; }
        public long End { get; set; }
        public bool Lost { get; set; }
    }
}

/// <summary>The parts of an HLS media playlist the load test needs.</summary>
public sealed record Playlist(long MediaSequence, IReadOnlyList<Playlist.Entry> Entries)
{
    public sealed record Entry(long Sequence, double Duration, string Uri);

    public static Playlist Parse(string text)
    {
        long sequence = 0;
        double? duration = null;
        var entries = new List<Entry>();
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Trim();
            if (line.StartsWith("#EXT-X-MEDIA-SEQUENCE:", StringComparison.Ordinal))
            {
                sequence = long.Parse(line["#EXT-X-MEDIA-SEQUENCE:".Length..], CultureInfo.InvariantCulture);
            }
            else if (line.StartsWith("#EXTINF:", StringComparison.Ordinal))
            {
                var value = line["#EXTINF:".Length..];
                var comma = value.IndexOf(',');
                duration = double.Parse(comma < 0 ? value : value[..comma], CultureInfo.InvariantCulture);
            }
            else if (line.Length > 0 && line[0] != '#' && duration is { } d)
            {
                entries.Add(new Entry(sequence + entries.Count, d, line));
                duration = null;
            }
        }
        return new Playlist(sequence, entries);
    }
}
