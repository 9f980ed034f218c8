using System.Diagnostics;
using StreamHub.LoadTest;

namespace StreamHub.Tests.LoadTest;

/// <summary>The load test's <c>--server-cpus</c>: the option is checked against the machine's cores, and a server
/// started through <see cref="CpuPinning.OnCpus"/> really runs on the cores given, as the same process (its id is
/// the one measured) with its environment.</summary>
public sealed class CpuPinningTests
{
    [Fact]
    public void Server_cpus_must_be_cores_of_this_machine_and_leave_one_for_the_load_generator()
    {
        Assert.Equal([0], LoadTestOptions.Parse(["--mode", "fanout", "--server-cpus", "0"])!.ServerCpus!);
        Assert.Null(LoadTestOptions.Parse(["--mode", "fanout"])!.ServerCpus);
        Assert.Null(LoadTestOptions.Parse(["--server-cpus", "-1"]));
        Assert.Null(LoadTestOptions.Parse(["--server-cpus", Environment.ProcessorCount.ToString()]));
        var all = string.Join(",", Enumerable.Range(0, Environment.ProcessorCount));
        Assert.Null(LoadTestOptions.Parse(["--server-cpus", all]));
    }

    [Fact]
    public void A_server_started_on_cores_runs_there_as_the_same_process_with_its_environment()
    {
        var start = new ProcessStartInfo("/bin/sh", ["-c", "echo \"$PINNING_PROBE\"; grep Cpus_allowed_list /proc/$$/status; echo $$"])
        {
            RedirectStandardOutput = true,
        };
        start.Environment["PINNING_PROBE"] = "kept";
        using var process = Process.Start(CpuPinning.OnCpus(start, [0]))!;
        var output = process.StandardOutput.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(process.WaitForExit(10_000));
        Assert.Equal(0, process.ExitCode);
        Assert.Equal("kept", output[0]);
        Assert.Equal("Cpus_allowed_list:\t0", output[1]);
        Assert.Equal(process.Id.ToString(), output[2]);
    }

    [Fact]
    public void Without_cores_the_start_is_unchanged()
    {
        var start = new ProcessStartInfo("/bin/true");
        Assert.Same(start, CpuPinning.OnCpus(start, null));
    }
}
