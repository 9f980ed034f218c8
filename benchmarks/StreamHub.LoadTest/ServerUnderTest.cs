using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace StreamHub.LoadTest;

/// <summary>A server the load test starts, publishes to and measures. Loopback only.</summary>
public abstract class ServerUnderTest : IAsyncDisposable
{
    private static readonly List<Process> Started = [];

    static ServerUnderTest()
    {
        // SIGTERM or an unhandled exception must not leave a server running on its ports.
        AppDomain.CurrentDomain.ProcessExit += (_, _) => KillAll();
        AppDomain.CurrentDomain.UnhandledException += (_, _) => KillAll();
    }

    private Process? _process;

    protected Process? Process
    {
        get => _process;
        set
        {
            _process = value;
            if (value is not null)
            {
                lock (Started)
                {
                    Started.Add(value);
                }
            }
        }
    }

    private static void KillAll()
    {
        lock (Started)
        {
            foreach (var process in Started)
            {
                try
                {
                    if (!process.HasExited)
                    {
                        process.Kill(entireProcessTree: true);
                    }
                }
                catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception)
                {
                }
            }
            Started.Clear();
        }
    }

    public abstract string Name { get; }

    /// <summary>Cores the server runs on (<c>--server-cpus</c>); null: wherever the kernel puts it.</summary>
    public int[]? Cpus { get; init; }

    public int RtmpPort { get; protected init; }

    public int HttpPort { get; protected init; }

    public abstract string Application { get; }

    public int Pid => Process?.Id ?? 0;

    public bool Exited => Process is null || Process.HasExited;

    /// <summary>Starts the server and waits until it answers on both ports.</summary>
    public abstract Task StartAsync(CancellationToken cancellationToken);

    /// <summary>The publish name (stream key) for each public stream name; may create keys on the server.</summary>
    public abstract Task<string[]> PrepareStreamsAsync(string[] names, CancellationToken cancellationToken);

    public abstract string PlaylistUrl(string name);

    /// <summary>The HTTP-FLV URL of a live stream, or null when the server serves none.</summary>
    public virtual Uri? FlvUrl(string name) => null;

    /// <summary>A segment's URL from a playlist line.</summary>
    public string SegmentUrl(string name, string uri) =>
        uri.StartsWith("http", StringComparison.Ordinal) ? uri : new Uri(new Uri(PlaylistUrl(name)), uri).ToString();

    /// <summary>Segment data the server keeps in its own memory per stream (bytes), estimated from the byte rate: the
    /// memory row's fallback when <see cref="SegmentMemoryAsync"/> reports nothing.</summary>
    public abstract double SegmentBytesPerStream(double mediaBytesPerSecond);

    /// <summary>The segment memory the server reports now; null when it reports none (or did not answer).</summary>
    public virtual Task<SegmentMemory?> SegmentMemoryAsync(CancellationToken cancellationToken) => Task.FromResult<SegmentMemory?>(null);

    /// <summary>The server's garbage-collector totals now; null when it reports none (or did not answer).</summary>
    public virtual Task<GcFigures?> GcFiguresAsync(CancellationToken cancellationToken) => Task.FromResult<GcFigures?>(null);

    /// <summary>Seconds the server's JIT compiler has spent compiling since it started; null for a server that
    /// compiles nothing at run time (or did not answer).</summary>
    public virtual Task<double?> JitSecondsAsync(CancellationToken cancellationToken) => Task.FromResult<double?>(null);

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    protected static async Task WaitForPortAsync(int port, Process process, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"the server exited with code {process.ExitCode} before listening on {port}");
            }
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port, cancellationToken);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(200, cancellationToken);
            }
        }
        throw new TimeoutException($"nothing listens on 127.0.0.1:{port} after 60 s");
    }

    public virtual async ValueTask DisposeAsync()
    {
        if (Process is { } process)
        {
            try
            {
                if (!process.HasExited)
                {
                    process.Kill(entireProcessTree: true);
                    await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
                }
            }
            catch (Exception e) when (e is InvalidOperationException or TimeoutException or System.ComponentModel.Win32Exception)
            {
                Console.Error.WriteLine($"{Name}: could not stop pid {process.Id}: {e.Message}");
            }
            lock (Started)
            {
                Started.Remove(process);
            }
            process.Dispose();
            _process = null;
        }
        GC.SuppressFinalize(this);
    }
}
