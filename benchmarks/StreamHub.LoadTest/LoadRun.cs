using System.Diagnostics;

namespace StreamHub.LoadTest;

/// <summary>One server, N publishers: start, publish, warm up, measure, load HTTP, count, stop.</summary>
public static class LoadRun
{
    private const int ConnectConcurrency = 16;

    public static async Task<RunResult> RunAsync(ServerUnderTest server, FlvClip clip, int count, LoadTestOptions options, CancellationToken cancellationToken)
    {
        Console.WriteLine($"[{server.Name} × {count}] starting the server ...");
        await server.StartAsync(cancellationToken);
        var names = Enumerable.Range(1, count).Select(i => $"b{i}").ToArray();
        var publishNames = await server.PrepareStreamsAsync(names, cancellationToken);
        await Task.Delay(1000, cancellationToken); // let start-up work (JIT, first GC) settle before the baseline
        var baselineRss = ProcessStats.Memory(server.Pid, "VmRSS");

        Console.WriteLine($"[{server.Name} × {count}] connecting {count} publishers ...");
        var publishers = new Publisher?[count];
        var failures = new List<string>();
        using (var gate = new SemaphoreSlim(ConnectConcurrency))
        {
            await Task.WhenAll(Enumerable.Range(0, count).Select(async i =>
            {
                await gate.WaitAsync(cancellationToken);
                try
                {
                    publishers[i] = await Publisher.ConnectAsync(clip, server.RtmpPort, server.Application, publishNames[i], names[i]);
                }
                catch (Exception e) when (e is IOException or InvalidOperationException or TimeoutException or OperationCanceledException
                    or System.Net.Sockets.SocketException or StreamHub.Rtmp.Client.RtmpClientException)
                {
                    lock (failures)
                    {
                        failures.Add($"{names[i]}: {e.Message}");
                    }
                }
                finally
                {
                    gate.Release();
                }
            }));
        }
        foreach (var failure in failures.Take(5))
        {
            Console.WriteLine($"  publish failed: {failure}");
        }
        var up = publishers.Where(p => p is not null).Cast<Publisher>().ToArray();
        var now = Pacer.Now;
        foreach (var publisher in up)
        {
            // Spread the streams over one GOP so their keyframes do not all arrive in the same tick.
            publisher.Start(now + Random.Shared.Next(0, 2000));
        }

        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 256, UseProxy = false })
        {
            Timeout = TimeSpan.FromSeconds(30),
        };
        var sample = options.Sample <= 0 || options.Sample >= up.Length
            ? up
            : [.. Enumerable.Range(0, options.Sample).Select(i => up[i * up.Length / options.Sample])];
        try
        {
            await using var pacer = new Pacer(up);
            await using var monitor = new PlaylistMonitor(server, sample, http);

            Console.WriteLine($"[{server.Name} × {count}] {up.Length} publishing; warm-up {options.Warmup} s, then {options.Seconds} s measured ...");
            var warmupCpu0 = ProcessStats.CpuSeconds(server.Pid);
            var warmupClock = Stopwatch.StartNew();
            await Task.Delay(TimeSpan.FromSeconds(options.Warmup), cancellationToken);
            var windowStart = Pacer.Now;
            var serverCpu0 = ProcessStats.CpuSeconds(server.Pid);
            var warmupCpu = serverCpu0 - warmupCpu0;
            var warmupSeconds = warmupClock.Elapsed.TotalSeconds;
            var gc0 = await server.GcFiguresAsync(cancellationToken);
            var selfCpu0 = ProcessStats.CpuSecondsOf(Environment.ProcessId);
            var sent0 = up.Sum(p => p.BytesSent);
            var clock = Stopwatch.StartNew();
            await Task.Delay(TimeSpan.FromSeconds(options.Seconds), cancellationToken);
            var elapsed = clock.Elapsed.TotalSeconds;
            var serverCpu = ProcessStats.CpuSeconds(server.Pid) - serverCpu0;
            var selfCpu = ProcessStats.CpuSecondsOf(Environment.ProcessId) - selfCpu0;
            var sent = up.Sum(p => p.BytesSent) - sent0;
            var gc = gc0 is not null && await server.GcFiguresAsync(cancellationToken) is { } gc1 ? gc1.Since(gc0) : null;
            var delays = monitor.DelaysSince(windowStart);
            // Peak memory of publishing and packaging alone, before any HTTP load, and the segment memory the server
            // reports at that moment (steady by then: every stream holds a full window).
            var peak = ProcessStats.Memory(server.Pid, "VmHWM");
            var segmentMemory = await server.SegmentMemoryAsync(cancellationToken);

            HttpLoad.Result? playlistLoad = null, segmentLoad = null;
            if (options.HttpSeconds > 0 && HttpLoad.Available)
            {
                var first = up.FirstOrDefault(p => !p.Failed);
                if (first is not null)
                {
                    var url = server.PlaylistUrl(first.Name);
                    Console.WriteLine($"[{server.Name} × {count}] wrk {options.HttpSeconds} s: playlist, then segment ...");
                    playlistLoad = await HttpLoad.RunAsync(url, options.HttpSeconds, 50);
                    string? text = null;
                    try
                    {
                        text = await http.GetStringAsync(url, cancellationToken);
                    }
                    catch (Exception e) when (e is HttpRequestException
                        || (e is TaskCanceledException && !cancellationToken.IsCancellationRequested))
                    {
                        // A server saturated by the publishers and the playlist load may not answer within the timeout
                        // (nginx-rtmp's one worker at 200 publishers did): no segment row, rather than no table.
                        Console.WriteLine($"  the playlist for the segment load did not come: {e.Message}");
                    }
                    var entries = text is null ? [] : Playlist.Parse(text).Entries;
                    if (entries.Count > 0)
                    {
                        segmentLoad = await HttpLoad.RunAsync(server.SegmentUrl(first.Name, entries[^1].Uri), options.HttpSeconds, 50);
                    }
                }
            }

            var packaged = 0;
            await Task.WhenAll(up.Select(async p =>
            {
                try
                {
                    var text = await http.GetStringAsync(server.PlaylistUrl(p.Name), cancellationToken);
                    if (Playlist.Parse(text).Entries.Count >= 3)
                    {
                        Interlocked.Increment(ref packaged);
                    }
                }
                catch (Exception e) when (e is HttpRequestException
                    || (e is TaskCanceledException && !cancellationToken.IsCancellationRequested))
                {
                    // not packaged (or the server is too busy to answer within the timeout)
                }
            }));
            foreach (var failed in up.Where(p => p.Failed).Take(3))
            {
                Console.WriteLine($"  {failed.Name} failed while publishing: {failed.Error}");
            }

            var perStream = (peak - baselineRss) / (double)Math.Max(1, up.Length);
            var segmentEstimate = server.SegmentBytesPerStream(clip.BytesPerSecond);
            var segmentData = segmentMemory is { } reported ? reported.InUseBytes / (double)Math.Max(1, up.Length) : segmentEstimate;
            Array.Sort(delays);
            return new RunResult
            {
                Server = server.Name,
                Publishers = count,
                PublishersUp = up.Length,
                PublishersFailedLater = up.Count(p => p.Failed),
                WindowSeconds = elapsed,
                ServerCpuPercentOfCore = 100 * serverCpu / elapsed,
                ServerCpuPercentPerStream = 100 * serverCpu / elapsed / Math.Max(1, up.Length),
                WarmupCpuPercentPerStream = 100 * warmupCpu / Math.Max(0.001, warmupSeconds) / Math.Max(1, up.Length),
                PublisherCpuPercentOfCore = 100 * selfCpu / elapsed,
                SegmentDelayMedianMs = Percentile(delays, 0.5),
                SegmentDelayP95Ms = Percentile(delays, 0.95),
                SegmentDelaySamples = delays.Length,
                SampledStreams = sample.Length,
                StreamsPackaged = packaged,
                BaselineRssMb = baselineRss / 1048576.0,
                PeakRssMb = peak / 1048576.0,
                MemoryPerStreamMb = perStream / 1048576.0,
                SegmentDataPerStreamMb = segmentData / 1048576.0,
                SegmentDataMeasured = segmentMemory is not null,
                SegmentDataEstimatePerStreamMb = segmentEstimate / 1048576.0,
                SegmentMemoryFreeMb = segmentMemory?.FreeBytes / 1048576.0,
                MemoryBeyondSegmentsPerStreamMb = (perStream - segmentData) / 1048576.0,
                PlaylistRequestsPerSecond = playlistLoad?.RequestsPerSecond,
                PlaylistNon2xx = playlistLoad?.Non2xx ?? 0,
                SegmentRequestsPerSecond = segmentLoad?.RequestsPerSecond,
                SegmentNon2xx = segmentLoad?.Non2xx ?? 0,
                MbitPerSecondSent = sent * 8 / elapsed / 1e6,
                AllocatedMbPerSecond = gc?.AllocatedBytes / elapsed / 1048576.0,
                Gen0Collections = gc?.Gen0,
                Gen1Collections = gc?.Gen1,
                Gen2Collections = gc?.Gen2,
                GcPausePercent = gc is null ? null : 100 * gc.PauseSeconds / elapsed,
            };
        }
        finally
        {
            foreach (var publisher in up)
            {
                await publisher.DisposeAsync();
            }
        }
    }

    private static double Percentile(long[] sorted, double p) =>
        sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)Math.Floor(p * (sorted.Length - 1) + 0.5))];
}
