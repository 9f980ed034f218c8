namespace StreamHub.LoadTest;

/// <summary>CPU time and memory of a process and its descendants, from /proc.</summary>
public static class ProcessStats
{
    private static readonly double TicksPerSecond = 100; // USER_HZ on Linux

    /// <summary>utime + stime of <paramref name="pid"/> and every descendant, in seconds.</summary>
    public static double CpuSeconds(int pid) => Tree(pid).Sum(p => CpuSecondsOf(p));

    /// <summary>Sum of a /proc/pid/status field (VmRSS, VmHWM) over the tree, in bytes.</summary>
    public static long Memory(int pid, string field) => Tree(pid).Sum(p => StatusField(p, field));

    /// <summary>stime alone of <paramref name="pid"/> and every descendant, in seconds: the time the kernel spent on
    /// its behalf (for a server, mostly its socket sends and, on loopback, the delivery to the peer).</summary>
    public static double KernelCpuSeconds(int pid) => Tree(pid).Sum(p => CpuSecondsOf(p, kernelOnly: true));

    public static double CpuSecondsOf(int pid, bool kernelOnly = false)
    {
        var stat = Read($"/proc/{pid}/stat");
        if (stat is null)
        {
            return 0;
        }
        // Fields after the ") " that ends the command name: state(3) ppid(4) ... utime(14) stime(15).
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return ((kernelOnly ? 0 : long.Parse(fields[11])) + long.Parse(fields[12])) / TicksPerSecond;
    }

    /// <summary>Time the hypervisor ran something else while this machine's CPUs wanted to run (all CPUs together), in
    /// seconds: how noisy the host was over a measurement.</summary>
    public static double StealSeconds()
    {
        var line = Read("/proc/stat")?.Split('\n')[0];
        // cpu user nice system idle iowait irq softirq steal ...
        var fields = line?.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return fields is { Length: > 8 } ? long.Parse(fields[8]) / TicksPerSecond : 0;
    }

    public static long StatusField(int pid, string field)
    {
        var status = Read($"/proc/{pid}/status");
        if (status is null)
        {
            return 0;
        }
        foreach (var line in status.Split('\n'))
        {
            if (line.StartsWith(field + ":", StringComparison.Ordinal))
            {
                var value = line[(field.Length + 1)..].Trim().Split(' ')[0];
                return long.Parse(value) * 1024;
            }
        }
        return 0;
    }

    public static List<int> Tree(int root)
    {
        var parents = new Dictionary<int, int>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(directory), out var pid) && Read($"/proc/{pid}/stat") is { } stat)
            {
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                parents[pid] = int.Parse(fields[1]);
            }
        }
        var tree = new List<int> { root };
        for (var i = 0; i < tree.Count; i++)
        {
            tree.AddRange(parents.Where(p => p.Value == tree[i]).Select(p => p.Key));
        }
        return tree;
    }

    private static string? Read(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
