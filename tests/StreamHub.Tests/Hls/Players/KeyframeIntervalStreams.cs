using System.Diagnostics;
using StreamHub.Tests.Infrastructure;

namespace StreamHub.Tests.Hls.Players;

/// <summary>One StreamHub with four live publishers whose keyframe intervals are 1, 2, 3.33 and 8.33 s (30, 60, 100
/// and 250 frames at 30 fps; 250 is OBS's Simple output mode), around the 2 s segment target: shorter, equal, longer
/// and much longer. Shared by the tests of one class, so the streams are published once.</summary>
public sealed class KeyframeIntervalStreams : IAsyncLifetime
{
    public static readonly int[] GopFrames = [30, 60, 100, 250];

    /// <summary>Publishing time before the streams are looked at: the 8.33 s stream's window then holds three whole
    /// keyframe intervals, so a player joins a playlist with several segments, as it would a stream live for a while.</summary>
    public static readonly TimeSpan WarmUp = TimeSpan.FromSeconds(30);

    private const int MinSegments = 3;
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(90);

    private readonly Stopwatch _publishing = new();
    private readonly List<PublishedStream> _streams = [];
    private Task? _ready;

    public StreamHubHost Host { get; private set; } = null!;

    public IReadOnlyList<PublishedStream> Streams => _streams;

    public PublishedStream this[int gopFrames] => _streams.Single(s => s.GopFrames == gopFrames);

    public async Task InitializeAsync()
    {
        Host = StreamHubHost.Start(new Dictionary<string, string?> { ["StreamHub:Hls:Container"] = "Ts" }); // the structure test reads MPEG-TS
        foreach (var gop in GopFrames)
        {
            var (name, key) = await Host.CreateStreamAsync($"gop{gop}");
            var publisher = LivePublisher.Start($"publisher (GOP {LivePublisher.GopSeconds(gop)})", $"rtmp://127.0.0.1:{Host.RtmpPort}/live/{key}", gop);
            _streams.Add(new PublishedStream(gop, name, new Uri(Host.HttpBase, $"/hls/{name}/index.m3u8"), publisher));
        }
        _publishing.Start();
    }

    /// <summary>Waits until every stream has been published for <see cref="WarmUp"/> and lists at least three
    /// segments; fails if a publisher stops or that takes more than 90 s.</summary>
    public Task WaitUntilReadyAsync() => _ready ??= WaitAsync();

    /// <summary>Fails the test when a publisher has stopped (StreamHub refused or dropped it).</summary>
    public void AssertPublishing()
    {
        foreach (var stream in _streams)
        {
            stream.Publisher.AssertRunning();
        }
    }

    private async Task WaitAsync()
    {
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var counts = new Dictionary<string, int>();
        while (_publishing.Elapsed < ReadyTimeout)
        {
            AssertPublishing();
            foreach (var stream in _streams)
            {
                counts[stream.Label] = (await LivePlaylist.TryGetAsync(client, stream.Playlist))?.Segments.Count ?? 0;
            }
            if (_publishing.Elapsed >= WarmUp && counts.Values.All(c => c >= MinSegments))
            {
                return;
            }
            await Task.Delay(500);
        }
        Assert.Fail($"The streams did not list {MinSegments} segments each within {ReadyTimeout.TotalSeconds:0} s of publishing: " +
            string.Join(", ", counts.Select(c => $"{c.Key}: {c.Value}")));
    }

    public async Task DisposeAsync()
    {
        foreach (var stream in _streams)
        {
            await stream.Publisher.DisposeAsync();
        }
        if (Host is not null)
        {
            await Host.DisposeAsync();
        }
    }
}
