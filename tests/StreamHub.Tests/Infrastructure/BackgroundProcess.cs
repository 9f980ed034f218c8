using System.Diagnostics;

namespace StreamHub.Tests.Infrastructure;

/// <summary>A real client that runs alongside a test (a live publisher, a server): started at once with standard
/// input closed, the last lines it prints kept for failure messages, its process tree killed on dispose. A missing
/// binary fails the test through <see cref="ExternalProcess.Require"/>.</summary>
public sealed class BackgroundProcess : IAsyncDisposable
{
    private const int KeptLines = 40;

    private readonly Process _process;
    private readonly Queue<string> _lines = new();

    private BackgroundProcess(string name, Process process)
    {
        Name = name;
        _process = process;
    }

    /// <summary>What the test calls it in messages (e.g. "publisher GOP 2 s").</summary>
    public string Name { get; }

    public bool HasExited => _process.HasExited;

    public int Id => _process.Id;

    /// <summary>The last lines the process printed on either stream.</summary>
    public string Output
    {
        get
        {
            lock (_lines)
            {
                return string.Join('\n', _lines);
            }
        }
    }

    public static BackgroundProcess Start(string name, string path, IEnumerable<string> arguments, string? workingDirectory = null)
    {
        var info = ExternalProcess.StartInfo(path, arguments, workingDirectory);
        var process = new Process { StartInfo = info };
        var running = new BackgroundProcess(name, process);
        process.OutputDataReceived += (_, e) => running.Keep(e.Data);
        process.ErrorDataReceived += (_, e) => running.Keep(e.Data);
        if (!process.Start())
        {
            throw new InvalidOperationException($"Could not start {path} ({name}).");
        }
        process.StandardInput.Close();
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

    private void Keep(string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (_lines)
        {
            _lines.Enqueue(line);
            if (_lines.Count > KeptLines)
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
