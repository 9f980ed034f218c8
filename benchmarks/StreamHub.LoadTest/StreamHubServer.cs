using System.Diagnostics;
using System.Net.Http.Json;

namespace StreamHub.LoadTest;

/// <summary>StreamHub as a published Release build, run with <c>dotnet StreamHub.dll</c>.</summary>
public sealed class StreamHubServer : ServerUnderTest
{
    private const string ApiKey = "loadtest-admin-key-0123456789abcdef";
    private readonly string _publishDirectory;
    private readonly string _dataDirectory;
    private readonly IReadOnlyDictionary<string, string> _environment;
    private readonly HttpClient _http;

    private readonly bool _recording;

    /// <param name="environment">Extra environment (e.g. DOTNET_gcServer) for experiments.</param>
    /// <param name="recording">Record every stream (StreamHub:Recording:Enabled), to measure what recording costs.</param>
    public StreamHubServer(string publishDirectory, string workDirectory, IReadOnlyDictionary<string, string> environment, bool recording = false)
    {
        _recording = recording;
        _publishDirectory = publishDirectory;
        _dataDirectory = Path.Combine(workDirectory, "streamhub-data");
        _environment = environment;
        RtmpPort = FreePort();
        HttpPort = FreePort();
        _http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{HttpPort}"), Timeout = TimeSpan.FromSeconds(30) };
        _http.DefaultRequestHeaders.Add("X-Api-Key", ApiKey);
    }

    public override string Name => _recording ? "StreamHub+rec" : "StreamHub";

    /// <summary>The recordings written so far: files and bytes.</summary>
    public (int Files, long Bytes) Recorded()
    {
        var directory = new DirectoryInfo(Path.Combine(_dataDirectory, "recordings"));
        if (!directory.Exists)
        {
            return (0, 0);
        }
        var files = directory.GetFiles("*.mp4", SearchOption.AllDirectories);
        return (files.Length, files.Sum(f => f.Length));
    }

    public override string Application => "live";

    /// <summary>Publishes src/StreamHub in Release into <paramref name="output"/>.</summary>
    public static void Publish(string repositoryRoot, string output)
    {
        var start = new ProcessStartInfo("dotnet", ["publish", Path.Combine(repositoryRoot, "src", "StreamHub"), "-c", "Release", "-o", output, "--nologo", "-v", "quiet"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = System.Diagnostics.Process.Start(start) ?? throw new InvalidOperationException("dotnet publish did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"dotnet publish failed ({process.ExitCode}): {stdout.Result}{stderr}");
        }
    }

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(_dataDirectory);
        var start = new ProcessStartInfo("dotnet", [Path.Combine(_publishDirectory, "StreamHub.dll")])
        {
            WorkingDirectory = _publishDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        var environment = new Dictionary<string, string>
        {
            ["StreamHub__BindAddress"] = "127.0.0.1",
            ["StreamHub__Rtmp__Port"] = RtmpPort.ToString(),
            ["StreamHub__Http__Port"] = HttpPort.ToString(),
            ["StreamHub__Https__Port"] = "0",
            ["StreamHub__DataDirectory"] = _dataDirectory,
            ["StreamHub__Admin__ApiKey"] = ApiKey,
            ["StreamHub__Logging__MinimumLevel"] = "Warning",
            ["StreamHub__Limits__MaxRtmpConnectionsPerAddress"] = "100000",
            ["StreamHub__Limits__MaxHttpConnectionsPerAddress"] = "100000",
            ["StreamHub__Limits__MaxConnections"] = "100000",
            ["StreamHub__Limits__AdminRequestsPerMinute"] = "100000",
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
        };
        if (_recording)
        {
            environment["StreamHub__Recording__Enabled"] = "true";
            environment["StreamHub__Recording__MinFreeMegabytes"] = "1024";
        }
        foreach (var (key, value) in _environment)
        {
            environment[key] = value;
        }
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }
        Process = System.Diagnostics.Process.Start(CpuPinning.OnCpus(start, Cpus)) ?? throw new InvalidOperationException("StreamHub did not start");
        // Keep the pipes drained; show only what looks like trouble.
        Process.OutputDataReceived += (_, e) => OnOutput(e.Data);
        Process.ErrorDataReceived += (_, e) => OnOutput(e.Data);
        Process.BeginOutputReadLine();
        Process.BeginErrorReadLine();
        await WaitForPortAsync(HttpPort, Process, cancellationToken);
        await WaitForPortAsync(RtmpPort, Process, cancellationToken);
    }

    private int _echoed;

    /// <summary>Every line the server writes (e.g. its request log, at Debug), on the thread that read it.</summary>
    public event Action<string>? OutputLine;

    private void OnOutput(string? line)
    {
        if (line is not null)
        {
            OutputLine?.Invoke(line);
        }
        Echo(line);
    }

    /// <summary>Warnings and errors, the first 10 (a publisher closed by the server says why here).</summary>
    private void Echo(string? line)
    {
        if (line is not null && (line.Contains("WRN", StringComparison.Ordinal) || line.Contains("ERR", StringComparison.Ordinal)
            || line.Contains("FTL", StringComparison.Ordinal) || line.Contains("Unhandled", StringComparison.Ordinal))
            && Interlocked.Increment(ref _echoed) <= 10)
        {
            Console.Error.WriteLine($"  streamhub: {line}");
        }
    }

    public override async Task<string[]> PrepareStreamsAsync(string[] names, CancellationToken cancellationToken)
    {
        var keys = new string[names.Length];
        for (var i = 0; i < names.Length; i++)
        {
            using var response = await _http.PostAsJsonAsync("/api/streams", new { name = names[i] }, cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                throw new InvalidOperationException($"POST /api/streams {names[i]}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(cancellationToken)}");
            }
            var body = await response.Content.ReadFromJsonAsync<CreatedStream>(cancellationToken);
            keys[i] = body?.Key ?? throw new InvalidOperationException("POST /api/streams returned no key");
        }
        return keys;
    }

    public override string PlaylistUrl(string name) => $"http://127.0.0.1:{HttpPort}/hls/{name}/index.m3u8";

    public override Uri? FlvUrl(string name) => new($"http://127.0.0.1:{HttpPort}/flv/{name}.flv");

    /// <summary>The listed window, as many retired segments (fetchable one more window), and the open segment: 2 × 6
    /// + 1 segments of 2 s, with about 6 % MPEG-TS overhead.</summary>
    public override double SegmentBytesPerStream(double mediaBytesPerSecond) => (2 * 6 + 1) * 2 * mediaBytesPerSecond * 1.06;

    /// <summary><c>streamhub_hls_segment_memory_bytes{state="in_use"|"free"}</c> from <c>/metrics</c>: the segment block
    /// pool, whole blocks.</summary>
    public override async Task<SegmentMemory?> SegmentMemoryAsync(CancellationToken cancellationToken)
    {
        if (await MetricsAsync("segment data falls back to the estimate", cancellationToken) is not { } text)
        {
            return null;
        }
        long? inUse = null, free = null;
        foreach (var line in text.Split('\n'))
        {
            if (line.StartsWith("streamhub_hls_segment_memory_bytes{state=\"in_use\"} ", StringComparison.Ordinal))
            {
                inUse = (long)double.Parse(line[(line.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture);
            }
            else if (line.StartsWith("streamhub_hls_segment_memory_bytes{state=\"free\"} ", StringComparison.Ordinal))
            {
                free = (long)double.Parse(line[(line.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture);
            }
        }
        return inUse is { } used ? new SegmentMemory(used, free ?? 0) : null;
    }

    public override async Task<GcFigures?> GcFiguresAsync(CancellationToken cancellationToken) =>
        await MetricsAsync("no GC figures", cancellationToken) is { } text ? GcFigures.Parse(text) : null;

    /// <summary><c>dotnet_jit_compilation_time_seconds_total</c> from <c>/metrics</c> (the runtime's own meter).</summary>
    public override async Task<double?> JitSecondsAsync(CancellationToken cancellationToken)
    {
        const string Series = "dotnet_jit_compilation_time_seconds_total ";
        return await MetricsAsync("no JIT figure", cancellationToken) is { } text
            && text.Split('\n').FirstOrDefault(l => l.StartsWith(Series, StringComparison.Ordinal)) is { } line
            ? double.Parse(line[Series.Length..], System.Globalization.CultureInfo.InvariantCulture)
            : null;
    }

    private async Task<string?> MetricsAsync(string otherwise, CancellationToken cancellationToken)
    {
        try
        {
            return await _http.GetStringAsync("/metrics", cancellationToken);
        }
        catch (Exception e) when (e is HttpRequestException || (e is TaskCanceledException && !cancellationToken.IsCancellationRequested))
        {
            Console.Error.WriteLine($"  GET /metrics failed ({e.Message}): {otherwise}");
            return null;
        }
    }

    public override async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await base.DisposeAsync();
    }

    private sealed record CreatedStream(string Key);
}
