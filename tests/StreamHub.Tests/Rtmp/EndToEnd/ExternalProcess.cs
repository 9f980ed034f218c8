using System.Diagnostics;
using System.Text;

namespace StreamHub.Tests.Rtmp.EndToEnd;

/// <summary>Runs an encoder binary found on PATH with a hard time limit; the process tree is killed in finally.
/// A missing binary fails the test with a message saying what to install (CI installs them via .ci/run).</summary>
public static class ExternalProcess
{
    public sealed record Result(int ExitCode, string Output, TimeSpan Elapsed);

    public static string Require(string binary, string package)
    {
        foreach (var directory in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator))
        {
            var candidate = Path.Combine(directory, binary);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }
        Assert.Fail($"'{binary}' is not on PATH; install {package} (.ci/run installs it) to run the RTMP end-to-end tests.");
        return binary;
    }

    public static async Task<Result> RunAsync(string path, IEnumerable<string> arguments, TimeSpan timeout)
    {
        var info = new ProcessStartInfo(path)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }
        var output = new StringBuilder();
        using var process = new Process { StartInfo = info };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { lock (output) { output.AppendLine(e.Data); } } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (output) { output.AppendLine(e.Data); } } };
        var watch = Stopwatch.StartNew();
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            using var cts = new CancellationTokenSource(timeout);
            await process.WaitForExitAsync(cts.Token);
            process.WaitForExit();
        }
        catch (OperationCanceledException)
        {
            Assert.Fail($"{Path.GetFileName(path)} did not finish within {timeout}:\n{output}");
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
        lock (output)
        {
            return new Result(process.ExitCode, output.ToString(), watch.Elapsed);
        }
    }
}
