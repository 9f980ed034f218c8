using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using StreamHub.Restream;
using StreamHub.Tests.Hls.Support;
using StreamHub.Tests.Infrastructure;

namespace StreamHub.Tests.Restream;

/// <summary>What the restream tests share: an ingest StreamHub whose pusher reads a <see cref="TestRestreamTargetStore"/>,
/// an FFmpeg publisher (a pre-encoded FLV sent in real time, so the tests spend no CPU on encoding), waits on a target's
/// state, and a watcher of an HLS playlist that records every media sequence number it lists.</summary>
public static partial class RestreamTestKit
{
    /// <summary>320×240 H.264 at 25 fps with a keyframe every second, AAC 44.1 kHz, 40 s.</summary>
    public static string Clip() => MediaTools.Flv("restream-clip",
        "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100",
        "-t", "40", "-c:v", "libx264", "-preset", "ultrafast", "-g", "25", "-bf", "0", "-pix_fmt", "yuv420p", "-c:a", "aac");

    public static StreamHubHost StartIngest(TestRestreamTargetStore store, IDictionary<string, string?>? settings = null,
        ListLogger<RestreamPusher>? log = null)
    {
        var overrides = new Dictionary<string, string?>
        {
            ["StreamHub:Restream:ConnectTimeoutSeconds"] = "2",
            ["StreamHub:Hls:SegmentDurationSeconds"] = "1",
            ["StreamHub:Logging:MinimumLevel"] = "Information",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            overrides[key] = value;
        }
        return StreamHubHost.Start(overrides, configureServices: services =>
        {
            services.AddSingleton<IRestreamTargetStore>(store);
            if (log is not null)
            {
                services.AddSingleton<Microsoft.Extensions.Logging.ILogger<RestreamPusher>>(log);
            }
        });
    }

    /// <summary>FFmpeg sends <paramref name="seconds"/> of the clip to <paramref name="url"/> in real time.</summary>
    public static Task<ExternalProcess.Result> PublishAsync(string url, int seconds) =>
        ExternalProcess.RunAsync(ExternalProcess.Require("ffmpeg", "ffmpeg"),
            ["-hide_banner", "-loglevel", "warning", "-nostdin", "-re", "-i", Clip(), "-t", seconds.ToString(), "-c", "copy", "-f", "flv", url],
            TimeSpan.FromSeconds(seconds + 40));

    public static RestreamTarget Target(long id, string stream, string name, int port, string key, RestreamScheme scheme = RestreamScheme.Rtmp,
        string application = "live", bool allowUntrusted = false, bool enabled = true) =>
        new(id, stream, name, scheme, "127.0.0.1", port, application, key, enabled, allowUntrusted);

    public static TargetStatus? StatusOf(StreamHubHost ingest, string stream, string target) =>
        ingest.GetService<IRestreamControl>().StatusOf(stream).SingleOrDefault(s => s.Name == target);

    /// <summary>Waits until <paramref name="target"/> satisfies <paramref name="condition"/>; fails naming what it last saw.</summary>
    public static async Task<TargetStatus> WaitForAsync(StreamHubHost ingest, string stream, string target, Func<TargetStatus, bool> condition,
        TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        TargetStatus? last = null;
        while (DateTime.UtcNow < deadline)
        {
            last = StatusOf(ingest, stream, target);
            if (last is not null && condition(last))
            {
                return last;
            }
            await Task.Delay(100);
        }
        Assert.Fail($"{target}: not {what} within {timeout.TotalSeconds} s; last seen {last?.ToString() ?? "nothing"}");
        return null!;
    }

    public static Task<TargetStatus> WaitForStateAsync(StreamHubHost ingest, string stream, string target, TargetState state, TimeSpan timeout) =>
        WaitForAsync(ingest, stream, target, s => s.State == state, timeout, state.ToString());

    /// <summary>Polls a playlist every 250 ms until disposed, recording each media sequence number it lists and
    /// whether it ever held a discontinuity.</summary>
    public sealed partial class PlaylistWatch : IAsyncDisposable
    {
        private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(5) };
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _loop;
        private readonly SortedSet<long> _sequences = [];
        private int _disposed;

        public PlaylistWatch(Uri playlist) => _loop = Task.Run(() => LoopAsync(playlist));

        public bool SawDiscontinuity { get; private set; }

        public long[] Sequences
        {
            get
            {
                lock (_sequences)
                {
                    return [.. _sequences];
                }
            }
        }

        private async Task LoopAsync(Uri playlist)
        {
            while (!_stop.IsCancellationRequested)
            {
                try
                {
                    var text = await _http.GetStringAsync(playlist, _stop.Token);
                    var first = MediaSequence().Match(text) is { Success: true } m ? long.Parse(m.Groups[1].Value) : 0;
                    var segments = text.Split('\n').Count(l => l.StartsWith("#EXTINF:", StringComparison.Ordinal));
                    lock (_sequences)
                    {
                        for (var i = 0; i < segments; i++)
                        {
                            _sequences.Add(first + i);
                        }
                    }
                    SawDiscontinuity |= text.Contains("#EXT-X-DISCONTINUITY\n", StringComparison.Ordinal);
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                {
                }
                try
                {
                    await Task.Delay(250, _stop.Token);
                }
                catch (OperationCanceledException)
                {
                }
            }
        }

        /// <summary>Waits until at least <paramref name="minimum"/> segments were listed or <paramref name="timeout"/> has
        /// passed (<see cref="AssertContinuous"/> then says how many were).</summary>
        public async Task WaitForSegmentsAsync(int minimum, TimeSpan timeout)
        {
            var deadline = DateTime.UtcNow + timeout;
            while (Sequences.Length < minimum && DateTime.UtcNow < deadline)
            {
                await Task.Delay(100);
            }
        }

        /// <summary>Fails unless at least <paramref name="minimum"/> segments were listed, with no gap and no
        /// discontinuity.</summary>
        public void AssertContinuous(string what, int minimum)
        {
            var seen = Sequences;
            Assert.True(seen.Length >= minimum, $"{what}: {seen.Length} segments seen, expected at least {minimum}");
            var gaps = seen.Zip(seen.Skip(1)).Where(p => p.Second != p.First + 1).Select(p => $"{p.First}→{p.Second}").ToList();
            Assert.True(gaps.Count == 0, $"{what}: MEDIA-SEQUENCE gaps {string.Join(", ", gaps)} in [{string.Join(",", seen)}]");
            Assert.False(SawDiscontinuity, $"{what}: the playlist has a discontinuity (the publisher reconnected)");
        }

        /// <summary>Stops watching; a second call does nothing.</summary>
        public async ValueTask DisposeAsync()
        {
            if (Interlocked.Exchange(ref _disposed, 1) != 0)
            {
                return;
            }
            await _stop.CancelAsync();
            await _loop;
            _http.Dispose();
            _stop.Dispose();
        }

        [GeneratedRegex(@"#EXT-X-MEDIA-SEQUENCE:(\d+)")]
        private static partial Regex MediaSequence();
    }
}
