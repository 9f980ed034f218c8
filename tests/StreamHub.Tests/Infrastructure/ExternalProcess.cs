using System.Diagnostics;

namespace StreamHub.Tests.Infrastructure;

/// <summary>Runs a real client (ffmpeg, ffprobe, GStreamer, promtool, ...) with a hard time limit; the process tree
/// is killed in finally. Standard input is closed at once (ffmpeg would otherwise read it for commands). A missing
/// binary fails the test with a message saying what to install (CI installs them via .ci/run).</summary>
public static class ExternalProcess
{
    public sealed record Result(int ExitCode, string StandardOutput, string StandardError, TimeSpan Elapsed)
    {
        /// <summary>Both streams, for messages and for clients that print to either.</summary>
        public string Output => StandardOutput + StandardError;
    }

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
        Assert.Fail($"'{binary}' is not on PATH; install {package} (.ci/run installs it) to run this test.");
        return binary;
    }

    /// <summary>How every client here is started: output and error captured, standard input redirected (so the
    /// caller can close it), no shell.</summary>
    public static ProcessStartInfo StartInfo(string path, IEnumerable<string> arguments, string? workingDirectory = null)
    {
        var info = new ProcessStartInfo(path)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }
        return info;
    }

    public static async Task<Result> RunAsync(string path, IEnumerable<string> arguments, TimeSpan timeout, string? workingDirectory = null)
    {
        var info = StartInfo(path, arguments, workingDirectory);
        var watch = Stopwatch.StartNew();
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"Could not start {path}.");
        process.StandardInput.Close();
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            var output = process.StandardOutput.ReadToEndAsync(deadline.Token);
            var error = process.StandardError.ReadToEndAsync(deadline.Token);
            await process.WaitForExitAsync(deadline.Token);
            return new Result(process.ExitCode, await output, await error, watch.Elapsed);
        }
        catch (OperationCanceledException)
        {
            Assert.Fail($"{Path.GetFileName(path)} did not finish within {timeout}.");
            throw;
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
    }
}
