using System.Diagnostics;
using System.Runtime.InteropServices;

namespace StreamHub.LoadTest;

/// <summary>Keeps the server under test and the load generator on separate cores (<c>--server-cpus</c>). On a small
/// machine they otherwise share the cores: every frame a server sends on loopback wakes a player's thread of the load
/// generator, which takes a core from the server, and the switches and the preemption are charged to the server,
/// more so to one that sends from several threads than to one that sends from one (nginx-rtmp's single worker). In
/// production the players are elsewhere; with the load generator on a core of its own, each server is measured for
/// the work it does itself. Linux only.</summary>
public static class CpuPinning
{
    /// <summary>Starts <paramref name="start"/>'s program under <c>taskset</c> on <paramref name="cpus"/> (taskset execs
    /// it, so the process id is the program's). Null <paramref name="cpus"/>: unchanged.</summary>
    public static ProcessStartInfo OnCpus(ProcessStartInfo start, int[]? cpus)
    {
        if (cpus is null)
        {
            return start;
        }
        var pinned = new ProcessStartInfo("taskset", ["-c", string.Join(",", cpus), start.FileName, .. start.ArgumentList])
        {
            WorkingDirectory = start.WorkingDirectory,
            RedirectStandardOutput = start.RedirectStandardOutput,
            RedirectStandardError = start.RedirectStandardError,
        };
        foreach (var (key, value) in start.Environment)
        {
            pinned.Environment[key] = value;
        }
        return pinned;
    }

    /// <summary>Moves every thread of this process (and so every thread they start later) onto the cores not in
    /// <paramref name="serverCpus"/>; false when none is left or the kernel refused.</summary>
    public static bool PinSelfAwayFrom(int[] serverCpus)
    {
        ulong mask = 0;
        for (var cpu = 0; cpu < Math.Min(Environment.ProcessorCount, 64); cpu++)
        {
            if (!serverCpus.Contains(cpu))
            {
                mask |= 1UL << cpu;
            }
        }
        if (mask == 0)
        {
            return false;
        }
        var pinned = true;
        foreach (var task in Directory.GetDirectories("/proc/self/task"))
        {
            if (int.TryParse(Path.GetFileName(task), out var tid) && SchedSetAffinity(tid, sizeof(ulong), ref mask) != 0)
            {
                pinned = false;
            }
        }
        return pinned;
    }

    [DllImport("libc", EntryPoint = "sched_setaffinity", SetLastError = true)]
    private static extern int SchedSetAffinity(int pid, nint cpuSetSize, ref ulong mask);
}
