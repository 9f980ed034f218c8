using System.Runtime.CompilerServices;

namespace StreamHub.Tests.Infrastructure;

/// <summary>The test process hosts many StreamHub servers at once (xUnit runs collections side by side), and a few
/// tests block a pool thread on purpose (concurrent requests lined up, a clip generated once under a lock). With the
/// pool's default minimum (one thread per core) every thread blocked past it leaves the other tests' servers waiting
/// up to half a second for the pool to add one, which fails timing assertions elsewhere (a player's first keyframe
/// 1000 ms after its play, where 30 ms is usual). A minimum well above the cores lets the pool add threads at once.</summary>
internal static class TestProcessThreadPool
{
#pragma warning disable CA2255 // The test assembly is the process's entry point in all but name: it owns the pool.
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void RaiseMinimum()
    {
        ThreadPool.GetMinThreads(out var workers, out var completionPorts);
        ThreadPool.SetMinThreads(Math.Max(workers, 64), Math.Max(completionPorts, 64));
    }
}
