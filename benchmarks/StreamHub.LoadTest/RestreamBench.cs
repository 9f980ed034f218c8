using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using StreamHub.Live;
using StreamHub.Media;
using StreamHub.Restream;

namespace StreamHub.LoadTest;

/// <summary><c>--mode restream</c>: the CPU the pusher spends per target. One live stream (the load test's 2.7 Mbit/s
/// clip, 720p30, written frame by frame in real time into a <see cref="LiveStreamRegistry"/> in this process, as the
/// RTMP ingest would) is pushed by a <see cref="RestreamPusher"/> to N targets on one nginx-rtmp (one stream name
/// each). This process's CPU over a measured window with N targets, minus the same window with none (the publisher
/// side alone), divided by N, is the cost of one target: subscription, shared chunks, socket writes, TCP on
/// loopback. nginx's own CPU is reported apart.
/// <para><c>dotnet run -c Release --project benchmarks/StreamHub.LoadTest -- --mode restream [--targets 10]
/// [--seconds 30] [--warmup 5]</c></para></summary>
public static class RestreamBench
{
    public static async Task<int> RunAsync(string[] args)
    {
        var targets = IntOption(args, "--targets", 10);
        var seconds = IntOption(args, "--seconds", 30);
        var warmup = IntOption(args, "--warmup", 5);
        var root = LoadTestOptions.FindRepositoryRoot();
        var runId = DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture);
        var work = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), $"streamhub-restream-{runId}")).FullName;
        var clipPath = FlvClip.Generate(Path.Combine(Path.GetTempPath(), "streamhub-loadtest-clip"), 20, "1280x720", 2500);
        var frames = ReadFlv(clipPath, out var clipMs);
        var clipBytes = frames.Sum(f => (long)f.Payload.Length);
        Console.WriteLine($"Restream bench {runId}: clip {clipPath}, {frames.Count} frames, {clipBytes * 8.0 / clipMs / 1000:F2} Mbit/s; " +
            $"{targets} targets, {seconds} s measured after {warmup} s warm-up, {Environment.ProcessorCount} cores");

        await using var nginx = new NginxServer(work, runId);
        await nginx.StartAsync(CancellationToken.None);
        var store = new BenchStore();
        await using var services = new ServiceCollection().AddSingleton<IRestreamTargetStore>(store).BuildServiceProvider();
        var registry = new LiveStreamRegistry([], TimeProvider.System);
        var pusher = new RestreamPusher(registry, services.GetRequiredService<IServiceScopeFactory>(), Options.Create(new RestreamOptions()),
            TimeProvider.System, NullLogger<RestreamPusher>.Instance);
        await pusher.StartAsync(CancellationToken.None);

        var baseline = await MeasureAsync(registry, pusher, store, nginx, frames, clipMs, 0, warmup, seconds);
        var pushed = await MeasureAsync(registry, pusher, store, nginx, frames, clipMs, targets, warmup, seconds);
        await pusher.StopAsync(CancellationToken.None);

        var perTarget = (pushed.CpuPercent - baseline.CpuPercent) / targets;
        var result = new
        {
            RunId = runId,
            Cores = Environment.ProcessorCount,
            ClipMbps = Math.Round(clipBytes * 8.0 / clipMs / 1000, 2),
            Targets = targets,
            Seconds = seconds,
            BaselineCpuPercent = Math.Round(baseline.CpuPercent, 3),
            PushedCpuPercent = Math.Round(pushed.CpuPercent, 3),
            CpuPercentPerTarget = Math.Round(perTarget, 3),
            NginxCpuPercent = Math.Round(pushed.NginxCpuPercent, 2),
            BytesSentPerTargetPerSecond = pushed.BytesPerTargetPerSecond,
            AllocatedBytesPerSecondBaseline = baseline.AllocatedPerSecond,
            AllocatedBytesPerSecondPushed = pushed.AllocatedPerSecond,
            pushed.States,
            pushed.Reconnects,
        };
        Console.WriteLine();
        Console.WriteLine($"| measured over {seconds} s | CPU, % of one core |");
        Console.WriteLine("|---|---|");
        Console.WriteLine($"| publisher side alone (0 targets) | {baseline.CpuPercent:F2} |");
        Console.WriteLine($"| with {targets} targets | {pushed.CpuPercent:F2} |");
        Console.WriteLine($"| **per target** | **{perTarget:F3}** |");
        Console.WriteLine($"| nginx-rtmp receiving the {targets} pushes | {pushed.NginxCpuPercent:F2} |");
        Console.WriteLine($"Sent per target: {pushed.BytesPerTargetPerSecond * 8 / 1e6:F2} Mbit/s; allocated {baseline.AllocatedPerSecond / 1024:F0} KiB/s alone, " +
            $"{pushed.AllocatedPerSecond / 1024:F0} KiB/s with {targets} targets; states {string.Join(", ", pushed.States)}; reconnects {pushed.Reconnects}");
        var file = Path.Combine(root, "benchmarks", "results", $"restream-{runId}.json");
        await File.WriteAllTextAsync(file, JsonSerializer.Serialize(result, new JsonSerializerOptions { WriteIndented = true }));
        Console.WriteLine($"Saved {file}");
        try
        {
            Directory.Delete(work, recursive: true);
        }
        catch (IOException)
        {
        }
        return perTarget <= 0.3 ? 0 : 1;
    }

    private sealed record Measurement(double CpuPercent, double NginxCpuPercent, double BytesPerTargetPerSecond, double AllocatedPerSecond,
        string[] States, int Reconnects);

    private static async Task<Measurement> MeasureAsync(LiveStreamRegistry registry, RestreamPusher pusher, BenchStore store, NginxServer nginx,
        List<MediaFrame> clip, long clipMs, int targets, int warmup, int seconds)
    {
        var name = $"bench{targets}";
        store.Set([.. Enumerable.Range(0, targets).Select(i => new RestreamTarget(i + 1, name, $"t{i}", RestreamScheme.Rtmp, "127.0.0.1",
            nginx.RtmpPort, nginx.Application, $"{name}-k{i}", true, false))]);
        if (!registry.TryBeginPublish(name, new PublisherInfo("bench", "127.0.0.1:1", null), out var stream))
        {
            throw new InvalidOperationException("already live");
        }
        using var stop = new CancellationTokenSource();
        var feeding = Task.Run(() => FeedAsync(stream, clip, clipMs, stop.Token));
        await Task.Delay(TimeSpan.FromSeconds(warmup));
        var self = Process.GetCurrentProcess();
        self.Refresh();
        var cpu0 = self.TotalProcessorTime;
        var nginx0 = ProcessStats.CpuSeconds(nginx.Pid);
        var sent0 = pusher.StatusOf(name).Sum(s => s.BytesSent);
        var allocated0 = GC.GetTotalAllocatedBytes(precise: false);
        var clock = Stopwatch.StartNew();
        await Task.Delay(TimeSpan.FromSeconds(seconds));
        self.Refresh();
        var elapsed = clock.Elapsed.TotalSeconds;
        var cpu = (self.TotalProcessorTime - cpu0).TotalSeconds / elapsed * 100;
        var nginxCpu = (ProcessStats.CpuSeconds(nginx.Pid) - nginx0) / elapsed * 100;
        var statuses = pusher.StatusOf(name);
        var sent = statuses.Sum(s => s.BytesSent) - sent0;
        var allocated = (GC.GetTotalAllocatedBytes(precise: false) - allocated0) / elapsed;
        await stop.CancelAsync();
        await feeding;
        registry.EndPublish(stream);
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (DateTime.UtcNow < deadline && pusher.StatusOf(name).Any(s => s.State != TargetState.Idle))
        {
            await Task.Delay(100);
        }
        var states = statuses.GroupBy(s => s.State).Select(g => $"{g.Count()} {g.Key.ToString().ToLowerInvariant()}").ToArray();
        return new Measurement(cpu, nginxCpu, targets == 0 ? 0 : sent / elapsed / targets, allocated, states, statuses.Sum(s => s.Reconnects));
    }

    /// <summary>Writes the clip's frames at their time, looped with increasing timestamps, as the RTMP ingest would
    /// (each frame is a pooled copy, the stream takes its references, the writer releases its own).</summary>
    private static async Task FeedAsync(LiveStream stream, List<MediaFrame> clip, long clipMs, CancellationToken stop)
    {
        var clock = Stopwatch.StartNew();
        var loop = 0L;
        var index = 0;
        foreach (var header in clip.Where(f => f.FrameKind == MediaFrameKind.SequenceHeader))
        {
            var copy = Copy(header, header.Dts);
            stream.Write(copy);
            copy.Release();
        }
        var coded = clip.Where(f => f.FrameKind == MediaFrameKind.Coded).ToList();
        while (!stop.IsCancellationRequested)
        {
            var now = clock.ElapsedMilliseconds;
            while (index < coded.Count && loop * clipMs + coded[index].Dts <= now)
            {
                var frame = Copy(coded[index], loop * clipMs + coded[index].Dts);
                stream.Write(frame);
                frame.Release();
                if (++index == coded.Count)
                {
                    index = 0;
                    loop++;
                }
            }
            try
            {
                await Task.Delay(10, stop);
            }
            catch (OperationCanceledException)
            {
            }
        }
    }

    private static MediaFrame Copy(MediaFrame frame, long dts) => MediaFrame.Create(frame.Payload.Span, frame.Kind, frame.FrameKind, dts,
        frame.CompositionOffset, frame.IsKeyframe, frame.VideoCodec, frame.AudioCodec);

    /// <summary>The clip's H.264 and AAC tags as frames (FLV: 9-byte header, then tag header, body, back-pointer).</summary>
    private static List<MediaFrame> ReadFlv(string path, out long durationMs)
    {
        var bytes = File.ReadAllBytes(path);
        var frames = new List<MediaFrame>();
        var at = 13;
        long last = 0;
        while (at + 11 <= bytes.Length)
        {
            var type = bytes[at];
            var size = bytes[at + 1] << 16 | bytes[at + 2] << 8 | bytes[at + 3];
            long timestamp = (uint)(bytes[at + 7] << 24 | bytes[at + 4] << 16 | bytes[at + 5] << 8 | bytes[at + 6]);
            var body = bytes.AsSpan(at + 11, size);
            at += 11 + size + 4;
            if (type == 9 && body.Length > 5 && (body[0] & 0x0F) == 7)
            {
                var cts = (BinaryPrimitives.ReadInt32BigEndian(body[1..5]) << 8) >> 8; // SI24 after the packet type
                var header = body[1] == 0;
                frames.Add(MediaFrame.Create(body[5..], MediaKind.Video, header ? MediaFrameKind.SequenceHeader : MediaFrameKind.Coded, timestamp,
                    header ? 0 : cts, (body[0] >> 4) == 1, VideoCodec.H264));
            }
            else if (type == 8 && body.Length > 2 && (body[0] >> 4) == 10)
            {
                frames.Add(MediaFrame.Create(body[2..], MediaKind.Audio, body[1] == 0 ? MediaFrameKind.SequenceHeader : MediaFrameKind.Coded, timestamp,
                    audioCodec: AudioCodec.Aac));
            }
            last = Math.Max(last, timestamp);
        }
        durationMs = last + 33;
        return frames;
    }

    private static int IntOption(string[] args, string name, int fallback)
    {
        var index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length ? int.Parse(args[index + 1], CultureInfo.InvariantCulture) : fallback;
    }

    private sealed class BenchStore : IRestreamTargetStore
    {
        private RestreamTarget[] _targets = [];

        public void Set(RestreamTarget[] targets) => Volatile.Write(ref _targets, targets);

        public Task<IReadOnlyList<RestreamTarget>> ForStreamAsync(string streamName, CancellationToken cancellationToken) =>
            Task.FromResult<IReadOnlyList<RestreamTarget>>(Volatile.Read(ref _targets).Where(t => t.StreamName == streamName).ToList());
    }
}
