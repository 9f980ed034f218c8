using System.Diagnostics;

namespace StreamHub.LoadTest;

/// <summary>A throwaway PostgreSQL for a benchmark (Debian's <c>postgresql</c> package): <c>initdb</c> in a temporary
/// directory, <c>pg_ctl</c> on a free loopback port, stopped and removed on dispose. PostgreSQL refuses to run as root,
/// so as root its programs run as the <c>postgres</c> user, in a directory that user owns.</summary>
public sealed class PostgresInstance : IAsyncDisposable
{
    private readonly string _bin;
    private readonly string _directory;

    private PostgresInstance(string bin, string directory, int port)
    {
        _bin = bin;
        _directory = directory;
        Port = port;
    }

    public int Port { get; }

    private string DataDirectory => Path.Combine(_directory, "data");

    /// <summary>A connection string for <paramref name="database"/> (StreamHub creates it if it does not exist).</summary>
    public string ConnectionString(string database) => $"Host=127.0.0.1;Port={Port};Username=postgres;Database={database}";

    /// <summary>Null, with the reason, when PostgreSQL is not installed.</summary>
    public static string? Unavailable() => FindBin() is null ? "PostgreSQL is not installed (apt-get install -y postgresql)" : null;

    public static async Task<PostgresInstance> StartAsync()
    {
        var bin = FindBin() ?? throw new InvalidOperationException(Unavailable());
        var directory = (await RunAsync("mktemp", "-d", Path.Combine(Path.GetTempPath(), "streamhub-bench-pg-XXXXXX"))).Trim();
        var instance = new PostgresInstance(bin, directory, ServerUnderTest.FreePort());
        await RunAsync(Path.Combine(bin, "initdb"), "-D", instance.DataDirectory, "-U", "postgres", "--auth=trust", "--encoding=UTF8", "--no-locale", "--no-sync");
        // Durability is not what is measured; the defaults' 100 connections are too few for three nodes' pools.
        await RunAsync(Path.Combine(bin, "pg_ctl"), "-D", instance.DataDirectory, "-l", Path.Combine(directory, "server.log"), "-w", "-t", "60", "-o",
            $"-p {instance.Port} -c listen_addresses=127.0.0.1 -k {directory} -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300",
            "start");
        return instance;
    }

    public async ValueTask DisposeAsync()
    {
        Npgsql.NpgsqlConnection.ClearAllPools();
        try
        {
            await RunAsync(Path.Combine(_bin, "pg_ctl"), "-D", DataDirectory, "-m", "fast", "-w", "-t", "30", "stop");
        }
        catch (InvalidOperationException)
        {
            await RunAsync(Path.Combine(_bin, "pg_ctl"), "-D", DataDirectory, "-m", "immediate", "-w", "-t", "30", "stop");
        }
        Directory.Delete(_directory, recursive: true);
    }

    private static string? FindBin() => Directory.Exists("/usr/lib/postgresql")
        ? Directory.GetDirectories("/usr/lib/postgresql").Select(d => Path.Combine(d, "bin"))
            .Where(d => File.Exists(Path.Combine(d, "initdb"))).OrderByDescending(d => d, StringComparer.Ordinal).FirstOrDefault()
        : null;

    private static async Task<string> RunAsync(string program, params string[] arguments)
    {
        var start = Environment.UserName == "root"
            ? new ProcessStartInfo("runuser", ["-u", "postgres", "--", program, .. arguments])
            : new ProcessStartInfo(program, arguments);
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.WorkingDirectory = "/";
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{program} did not start");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        await process.WaitForExitAsync(timeout.Token);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{Path.GetFileName(program)} exited with {process.ExitCode}: {await output}{await error}");
        }
        return await output;
    }
}
