using System.Diagnostics;

namespace StreamHub.Tests.Infrastructure;

/// <summary>StreamHub as its own process (<c>dotnet StreamHub.dll</c>), configured through environment variables in
/// the documented <c>StreamHub__Section__Key</c> form, with everything it prints captured. For what only a real
/// process shows: exit codes, start-up failures, what is printed on the console.</summary>
public sealed class StreamHubProcess : IAsyncDisposable
{
    private readonly BackgroundProcess _process;

    private StreamHubProcess(BackgroundProcess process, IReadOnlyDictionary<string, string?> settings)
    {
        _process = process;
        Settings = settings;
    }

    public IReadOnlyDictionary<string, string?> Settings { get; }

    public string Output => _process.Output;

    public bool HasExited => _process.HasExited;
    public int ProcessId => _process.Id;

    /// <summary>The server's resident set size now, from <c>/proc/{pid}/status</c> (Linux).</summary>
    public long ResidentBytes()
    {
        var line = File.ReadLines($"/proc/{_process.Id}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return long.Parse(line["VmRSS:".Length..].Trim().Split(' ')[0]) * 1024;
    }
    public int ExitCode => _process.ExitCode;

    /// <summary>Default test settings: loopback, free ports, a fresh data directory (or the one given).</summary>
    public static Dictionary<string, string?> DefaultSettings(string? dataDirectory = null) => new()
    {
        ["StreamHub__BindAddress"] = "127.0.0.1",
        ["StreamHub__DataDirectory"] = dataDirectory ?? Directory.CreateTempSubdirectory("streamhub-proc-").FullName,
        ["StreamHub__Rtmp__Port"] = FreePorts.Next().ToString(),
        ["StreamHub__Http__Port"] = FreePorts.Next().ToString(),
        ["StreamHub__Https__Port"] = FreePorts.Next().ToString(),
    };

    /// <summary>The same settings (data directory included) on new free ports: for a second start of "the same" server.</summary>
    public static Dictionary<string, string?> WithFreshPorts(IReadOnlyDictionary<string, string?> settings) => new(settings)
    {
        ["StreamHub__Http__Port"] = FreePorts.Next().ToString(),
        ["StreamHub__Https__Port"] = FreePorts.Next().ToString(),
        ["StreamHub__Rtmp__Port"] = FreePorts.Next().ToString(),
    };

    /// <param name="asUnprivilegedUser">When the tests run as root, run the server as <c>nobody</c> (through
    /// setpriv), as an ordinary user would.</param>
    public static StreamHubProcess Start(IReadOnlyDictionary<string, string?> settings, bool asUnprivilegedUser = false)
    {
        var directory = AppContext.BaseDirectory;
        var dll = Path.Combine(directory, "StreamHub.dll");
        var start = asUnprivilegedUser && Environment.UserName == "root"
            ? new ProcessStartInfo("setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", "dotnet", dll])
            : new ProcessStartInfo("dotnet", [dll]);
        if (asUnprivilegedUser)
        {
            start.Environment["HOME"] = Path.GetTempPath();
        }
        start.WorkingDirectory = directory;
        foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("StreamHub__", StringComparison.OrdinalIgnoreCase) || k.StartsWith("ASPNETCORE_", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            start.Environment.Remove(key);
        }
        foreach (var (key, value) in settings)
        {
            start.Environment[key] = value;
        }
        return new StreamHubProcess(BackgroundProcess.Start("StreamHub", start, keptLines: int.MaxValue), settings);
    }

    public int HttpPort => int.Parse(Settings["StreamHub__Http__Port"]!);
    public int HttpsPort => int.Parse(Settings["StreamHub__Https__Port"]!);
    public int RtmpPort => int.Parse(Settings["StreamHub__Rtmp__Port"]!);
    public string DataDirectory => Settings["StreamHub__DataDirectory"]!;

    /// <summary>How long a start (to ready, or to its exit on a bad setting) may take: seconds on a quiet machine, but
    /// CI shares two cores with a thousand other tests, browsers and encoders, and a load average of 80 has been seen
    /// to stretch a start past a minute.</summary>
    public static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(120);

    /// <summary>Waits until <c>/readyz</c> answers 200 on the HTTP port; fails with the process output if it exits
    /// or does not get ready within <paramref name="timeout"/> (<see cref="StartTimeout"/>).</summary>
    public async Task WaitUntilReadyAsync(TimeSpan? timeout = null)
    {
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow + (timeout ?? StartTimeout);
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"StreamHub exited with code {_process.ExitCode} before it was ready:\n{Output}");
            }
            try
            {
                using var response = await client.GetAsync($"http://127.0.0.1:{HttpPort}/readyz");
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }
            await Task.Delay(100);
        }
        throw new TimeoutException($"StreamHub was not ready within the timeout:\n{Output}");
    }

    /// <summary>Kills the server as <c>kill -9</c> does (SIGKILL): no shutdown, nothing released.</summary>
    public Task KillAsync() => _process.KillAsync();

    /// <summary>Waits for the process to exit by itself (a start-up failure); returns its exit code.</summary>
    public Task<int> WaitForExitAsync(TimeSpan timeout) => _process.WaitForExitAsync(timeout);

    /// <summary>Waits until the output contains <paramref name="text"/>.</summary>
    public Task WaitForOutputAsync(string text, TimeSpan? timeout = null) =>
        _process.WaitForOutputAsync(text, timeout ?? TimeSpan.FromSeconds(10));

    public ValueTask DisposeAsync() => _process.DisposeAsync();
}
