using System.Diagnostics;
using System.Text;

namespace StreamHub.Tests.Infrastructure;

/// <summary>A real program that runs alongside a test (a live publisher, a server): started at once, what it prints on
/// either stream kept for assertions and failure messages (the last lines, or everything), its process tree killed on
/// dispose. A missing binary fails the test through <see cref="ExternalProcess.Require"/>.</summary>
public sealed class BackgroundProcess : IAsyncDisposable
{
    /// <summary>Lines a client keeps by default: enough to say why it stopped.</summary>
    public const int KeptLines = 40;

    private readonly Process _process;
    private readonly int _keptLines;
    private readonly Queue<string> _lines = new();
    private readonly StringBuilder _all = new();

    private BackgroundProcess(string name, Process process, int keptLines)
    {
        Name = name;
        _process = process;
        _keptLines = keptLines;
    }

    /// <summary>What the test calls it in messages (e.g. "publisher GOP 2 s").</summary>
    public string Name { get; }

    public bool HasExited => _process.HasExited;

    public int Id => _process.Id;

    public int ExitCode => _process.ExitCode;

    /// <summary>The lines the process printed on either stream (the last <see cref="KeptLines"/>, unless it was started
    /// to keep everything).</summary>
    public string Output
    {
        get
        {
            lock (_lines)
            {
                return _keptLines == int.MaxValue ? _all.ToString() : string.Join('\n', _lines);
            }
        }
    }

    public static BackgroundProcess Start(string name, string path, IEnumerable<string> arguments, string? workingDirectory = null) =>
        Start(name, ExternalProcess.StartInfo(path, arguments, workingDirectory));

    /// <param name="keptLines">How many of the last lines to keep; <see cref="int.MaxValue"/> keeps everything (a
    /// server whose log the test searches).</param>
    public static BackgroundProcess Start(string name, ProcessStartInfo info, int keptLines = KeptLines)
    {
        info.RedirectStandardOutput = true;
        info.RedirectStandardError = true;
        info.UseShellExecute = false;
        var process = new Process { StartInfo = info };
        var running = new BackgroundProcess(name, process, keptLines);
        process.OutputDataReceived += (_, e) => running.Keep(e.Data);
        process.ErrorDataReceived += (_, e) => running.Keep(e.Data);
        if (!process.Start())
        {
            throw new InvalidOperationException($"Could not start {info.FileName} ({name}).");
        }
        if (info.RedirectStandardInput)
        {
            process.StandardInput.Close();
        }
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return running;
    }

    /// <summary>Fails the test when the process has stopped (a publisher the server refused or cut off, a server
    /// that could not start), with what it printed.</summary>
    public void AssertRunning()
    {
        if (_process.HasExited)
        {
            Assert.Fail($"{Name} exited with code {_process.ExitCode}:\n{Output}");
        }
    }

    /// <summary>Waits until the output contains <paramref name="text"/>; throws with the output when the process exits
    /// first or the timeout passes.</summary>
    public async Task WaitForOutputAsync(string text, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!Output.Contains(text, StringComparison.Ordinal))
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"The output of {Name} never contained '{text}' within {timeout}:\n{Output}");
            }
            if (_process.HasExited)
            {
                _process.WaitForExit(); // flushes the redirected output before the last look
                if (!Output.Contains(text, StringComparison.Ordinal))
                {
                    throw new InvalidOperationException($"{Name} exited with code {_process.ExitCode} before printing '{text}':\n{Output}");
                }
                return;
            }
            await Task.Delay(50);
        }
    }

    /// <summary>Waits for the process to exit by itself; returns its exit code, its output complete.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"{Name} did not exit within {timeout}:\n{Output}");
        }
        _process.WaitForExit(); // flushes the redirected output
        return _process.ExitCode;
    }

    /// <summary>Kills the process tree as <c>kill -9</c> does (SIGKILL): no shutdown, nothing released.</summary>
    public async Task KillAsync()
    {
        _process.Kill(entireProcessTree: true);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await _process.WaitForExitAsync(cts.Token);
    }

    private void Keep(string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (_lines)
        {
            if (_keptLines == int.MaxValue)
            {
                _all.AppendLine(line);
                return;
            }
            _lines.Enqueue(line);
            if (_lines.Count > _keptLines)
            {
                _lines.Dequeue();
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await _process.WaitForExitAsync(deadline.Token);
        }
        catch (InvalidOperationException)
        {
            // never started
        }
        catch (OperationCanceledException)
        {
        }
        _process.Dispose();
    }
}
