using System.Diagnostics;

namespace StreamHub.LoadTest;

/// <summary>One server, one 2.7 Mbit/s publisher, then N players for each N in turn (players are added, never
/// restarted): start, publish, settle, measure the publisher-only baseline, then per N connect the missing players,
/// settle, and measure a window.</summary>
public static class FanOutRun
{
    public const string StreamName = "fan";
    private const int ConnectConcurrency = 32;

    /// <summary>A player whose last video frame is this far behind the publisher's newest one has fallen behind.</summary>
    private const long BehindMs = 1000;

    /// <summary>How far the wall clock may move against the monotonic one over a window before the socket latencies,
    /// which compare the two, are left out: those latencies are about a millisecond.</summary>
    private const double MaxClockStepMs = 0.5;

    public static async Task<List<FanOutResult>> RunAsync(ServerUnderTest server, FlvClip clip, FanOutProtocol protocol,
        LoadTestOptions options, CancellationToken cancellationToken)
    {
        var label = $"{server.Name} {protocol}";
        var results = new List<FanOutResult>();
        Console.WriteLine($"[{label}] starting the server ...");
        await server.StartAsync(cancellationToken);
        var publishName = (await server.PrepareStreamsAsync([StreamName], cancellationToken))[0];
        await Task.Delay(1000, cancellationToken);

        var sendLog = new FrameSendLog();
        // The server's figure (to the kernel's receive timestamp, RTMP players) and the players' own (to the end of
        // their receive, both protocols), over the same frames.
        var latency = new LatencyHistogram();
        var readLatency = new LatencyHistogram();
        await using var publisher = await Publisher.ConnectAsync(clip, server.RtmpPort, server.Application, publishName, StreamName);
        publisher.VideoSendLog = sendLog;
        publisher.Start(Pacer.Now);
        await using var pacer = new Pacer([publisher]);
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = int.MaxValue, UseProxy = false })
        {
            Timeout = Timeout.InfiniteTimeSpan,
        };
        var viewers = new List<IFanOutViewer>();
        using var poller = options.SpinningPlayers && protocol == FanOutProtocol.Rtmp ? new PlayerPoller() : null;
        try
        {
            Console.WriteLine($"[{label}] publishing; settle {options.FanOutBaselineSettle} s, then {options.FanOutBaselineSeconds} s publisher-only baseline ...");
            await Task.Delay(TimeSpan.FromSeconds(options.FanOutBaselineSettle), cancellationToken);
            var baselineJit0 = await server.JitSecondsAsync(cancellationToken);
            var baselineCpu0 = ProcessStats.CpuSeconds(server.Pid);
            var baselineClock = Stopwatch.StartNew();
            await Task.Delay(TimeSpan.FromSeconds(options.FanOutBaselineSeconds), cancellationToken);
            var baselineCpuPercent = 100 * (ProcessStats.CpuSeconds(server.Pid) - baselineCpu0) / baselineClock.Elapsed.TotalSeconds;
            var baselineJitPercent = JitPercent(baselineJit0, await server.JitSecondsAsync(cancellationToken), baselineClock.Elapsed.TotalSeconds);
            var baselineRss = ProcessStats.Memory(server.Pid, "VmRSS");
            Console.WriteLine($"[{label}] baseline: CPU {baselineCpuPercent:F1} % of a core, RSS {baselineRss / 1048576.0:F1} MB");

            foreach (var count in options.Players.Order())
            {
                var failures = 0;
                string? firstFailure = null;
                var added = new IFanOutViewer?[Math.Max(0, count - viewers.Count)];
                Console.WriteLine($"[{label} × {count}] connecting {added.Length} more players ...");
                using (var gate = new SemaphoreSlim(ConnectConcurrency))
                {
                    await Task.WhenAll(Enumerable.Range(0, added.Length).Select(async i =>
                    {
                        await gate.WaitAsync(cancellationToken);
                        try
                        {
                            added[i] = protocol == FanOutProtocol.Rtmp
                                ? await RtmpPlayer.PlayAsync(server.RtmpPort, server.Application, StreamName, sendLog, latency, readLatency, poller, cancellationToken)
                                : await FlvViewer.WatchAsync(http, server.FlvUrl(StreamName)!, sendLog, readLatency, cancellationToken);
                        }
                        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
                        {
                            Interlocked.Increment(ref failures);
                            Interlocked.CompareExchange(ref firstFailure, e.Message, null);
                        }
                        finally
                        {
                            gate.Release();
                        }
                    }));
                }
                viewers.AddRange(added.Where(v => v is not null).Cast<IFanOutViewer>());
                if (firstFailure is not null)
                {
                    Console.WriteLine($"  {failures} players failed to start, first: {firstFailure}");
                }
                if (viewers.Count == 0)
                {
                    results.Add(new FanOutResult
                    {
                        Server = server.Name, Protocol = protocol, Players = count,
                        Skipped = $"no player could start: {firstFailure}",
                    });
                    break;
                }

                Console.WriteLine($"[{label} × {count}] {viewers.Count} playing; settle {options.FanOutWarmup} s, then {options.FanOutSeconds} s measured ...");
                await Task.Delay(TimeSpan.FromSeconds(options.FanOutWarmup), cancellationToken);
                var jit0 = await server.JitSecondsAsync(cancellationToken);
                var cpu0 = ProcessStats.CpuSeconds(server.Pid);
                var kernel0 = ProcessStats.KernelCpuSeconds(server.Pid);
                var steal0 = ProcessStats.StealSeconds();
                var self0 = ProcessStats.CpuSecondsOf(Environment.ProcessId);
                var received0 = viewers.Sum(v => v.BytesReceived);
                var receives0 = viewers.Sum(v => v.Receives);
                var frames0 = sendLog.FramesSent;
                KernelReceiveClock.Recalibrate();
                var clock = Stopwatch.StartNew();
                var windowStart = Stopwatch.GetTimestamp();
                latency.Open(windowStart);
                readLatency.Open(windowStart);
                await Task.Delay(TimeSpan.FromSeconds(options.FanOutSeconds), cancellationToken);
                var windowEnd = Stopwatch.GetTimestamp();
                latency.EndWindow(windowEnd);
                readLatency.EndWindow(windowEnd);
                var elapsed = clock.Elapsed.TotalSeconds;
                var cpuPercent = 100 * (ProcessStats.CpuSeconds(server.Pid) - cpu0) / elapsed;
                var kernelPercent = 100 * (ProcessStats.KernelCpuSeconds(server.Pid) - kernel0) / elapsed;
                var stealPercent = 100 * (ProcessStats.StealSeconds() - steal0) / elapsed;
                var selfPercent = 100 * (ProcessStats.CpuSecondsOf(Environment.ProcessId) - self0) / elapsed;
                var rss = ProcessStats.Memory(server.Pid, "VmRSS");
                var jitPercent = JitPercent(jit0, await server.JitSecondsAsync(cancellationToken), elapsed);
                var framesSent = sendLog.FramesSent - frames0;
                var received = viewers.Sum(v => v.BytesReceived) - received0;
                var receives = viewers.Sum(v => v.Receives) - receives0;
                // Let the frames sent at the very end of the window arrive before the histogram is read.
                await Task.Delay(500, cancellationToken);
                latency.Close();
                readLatency.Close();
                var clockStep = KernelReceiveClock.DriftMs();
                var socketLatencyValid = Math.Abs(clockStep) < MaxClockStepMs;
                if (!socketLatencyValid)
                {
                    Console.WriteLine($"  the wall clock moved {clockStep:F1} ms against the monotonic clock during the window: " +
                        "the latencies to the player's socket (kernel timestamps) are left out");
                }
                var newest = sendLog.LastTimestamp;
                var ended = viewers.Where(v => v.Ended is not null).ToArray();
                var up = viewers.Count;
                // The slope from the count before in this run: what one more player costs, without the fixed costs
                // the first players bring (code compiled, pools and heaps grown, threads started) or the baseline's error.
                var previous = results.LastOrDefault(r => r.Skipped is null);
                var morePlayers = previous is null ? 0 : up - previous.PlayersUp;
                var result = new FanOutResult
                {
                    Server = server.Name,
                    Protocol = protocol,
                    Players = count,
                    PlayersUp = up,
                    ConnectFailures = failures,
                    FirstConnectFailure = firstFailure,
                    WindowSeconds = elapsed,
                    BaselineCpuPercent = baselineCpuPercent,
                    ServerCpuPercent = cpuPercent,
                    ServerKernelCpuPercent = kernelPercent,
                    HostStealPercent = stealPercent,
                    JitCpuPercent = jitPercent,
                    BaselineJitCpuPercent = baselineJitPercent,
                    CpuPerPlayerPercent = (cpuPercent - baselineCpuPercent) / up,
                    CpuPerPlayerLessJitPercent = double.IsNaN(jitPercent) || double.IsNaN(baselineJitPercent)
                        ? (cpuPercent - baselineCpuPercent) / up
                        : (cpuPercent - jitPercent - (baselineCpuPercent - baselineJitPercent)) / up,
                    BaselineRssMb = baselineRss / 1048576.0,
                    RssMb = rss / 1048576.0,
                    MemoryPerPlayerKb = (rss - baselineRss) / 1024.0 / up,
                    MarginalCpuPerPlayerPercent = morePlayers > 0 ? (cpuPercent - previous!.ServerCpuPercent) / morePlayers : double.NaN,
                    MarginalMemoryPerPlayerKb = morePlayers > 0 ? (rss / 1048576.0 - previous!.RssMb) * 1024.0 / morePlayers : double.NaN,
                    LatencyMedianMs = socketLatencyValid ? latency.PercentileMs(0.5) : double.NaN,
                    LatencyP99Ms = socketLatencyValid ? latency.PercentileMs(0.99) : double.NaN,
                    LatencyMaxBucketMs = socketLatencyValid ? latency.PercentileMs(1.0) : double.NaN,
                    LatencySamples = latency.Count,
                    ReadLatencyMedianMs = readLatency.PercentileMs(0.5),
                    ReadLatencyP99Ms = readLatency.PercentileMs(0.99),
                    UnmatchedFrames = readLatency.Unmatched,
                    FramesSentInWindow = framesSent,
                    DeliveredPercent = 100.0 * readLatency.Count / Math.Max(1, framesSent * (up - ended.Length)),
                    Disconnected = ended.Length,
                    FirstDisconnect = ended.FirstOrDefault()?.Ended,
                    Behind = viewers.Count(v => v.Ended is null && newest - v.LastVideoTimestamp > BehindMs),
                    MbitPerSecondOut = received * 8 / elapsed / 1e6,
                    ReceivesPerSecond = receives / elapsed,
                    LoadGeneratorCpuPercent = selfPercent,
                };
                results.Add(result);
                Console.WriteLine(FanOutReport.Line(result));
                if (publisher.Failed)
                {
                    Console.WriteLine($"  the publisher failed: {publisher.Error}");
                    break;
                }
            }
        }
        finally
        {
            foreach (var viewer in viewers)
            {
                await viewer.DisposeAsync();
            }
        }
        return results;
    }

    /// <summary>JIT compiling between two readings of the server's total, as % of one core; NaN without both.</summary>
    private static double JitPercent(double? before, double? after, double seconds) =>
        before is { } a && after is { } b ? 100 * (b - a) / seconds : double.NaN;
}
