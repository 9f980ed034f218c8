using System.Diagnostics;

namespace StreamHub.Benchmarks.Rtmp.Encryption;

/// <summary>The RTMPE figure in CPU time rather than wall time: on a machine shared with other work, BenchmarkDotNet's
/// wall-clock means include the time the thread waited for a core. Runs <see cref="RtmpeCipherBenchmarks.ReadThroughPipe"/>
/// (one second of a 2.7 Mbit/s stream through the RTMPE reader, 1460-byte reads) and divides the process's CPU time by
/// the iterations; also reports the bytes allocated on this thread per iteration.</summary>
public static class RtmpeCpuTime
{
    public static void Run(int iterations = 2000)
    {
        var benchmark = new RtmpeCipherBenchmarks { ReadSize = 1460 };
        benchmark.Setup();
        for (var i = 0; i < 200; i++)
        {
            benchmark.ReadThroughPipe(); // tiered JIT to its final code
        }
        for (var round = 1; round <= 3; round++)
        {
            var process = Process.GetCurrentProcess();
            var cpu = process.TotalProcessorTime;
            var wall = Stopwatch.StartNew();
            var allocated = GC.GetAllocatedBytesForCurrentThread();
            for (var i = 0; i < iterations; i++)
            {
                benchmark.ReadThroughPipe();
            }
            allocated = GC.GetAllocatedBytesForCurrentThread() - allocated;
            process.Refresh();
            var perSecondOfStream = (process.TotalProcessorTime - cpu).TotalMilliseconds / iterations;
            Console.WriteLine($"round {round}: {perSecondOfStream:F3} ms CPU per second of a 2.7 Mbit/s stream = {perSecondOfStream / 10:F4} % of a core " +
                $"(wall {wall.Elapsed.TotalMilliseconds / iterations:F3} ms); {allocated / (double)iterations:F1} bytes allocated per second of stream " +
                $"({337_500 / 1460 + 1} reads)");
        }
    }
}
