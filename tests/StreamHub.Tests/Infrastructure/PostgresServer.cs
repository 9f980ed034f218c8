using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace StreamHub.Tests.Infrastructure;

/// <summary>A real PostgreSQL server for the test run (Debian's <c>postgresql</c> package; .ci/run installs it): a
/// fresh cluster made by <c>initdb</c> in a temporary directory, started by <c>pg_ctl</c> on a free loopback port,
/// stopped and removed at the end. PostgreSQL refuses to run as root, so when the tests do, its commands run as the
/// <c>postgres</c> user (runuser) in a directory that user owns. Shared by the test classes of
/// <see cref="PostgresCollection"/>; each class takes a database of its own (<see cref="CreateDatabaseAsync"/>).</summary>
public sealed class PostgresServer : IAsyncLifetime
{
    private static readonly TimeSpan StepTimeout = TimeSpan.FromSeconds(90);

    private string _directory = "";
    private string _bin = "";
    private bool _started;

    public int Port { get; private set; }

    private string DataDirectory => Path.Combine(_directory, "data");
    private string LogFile => Path.Combine(_directory, "server.log");
    private static bool RunningAsRoot => Environment.UserName == "root";

    public async Task InitializeAsync()
    {
        _bin = FindBinDirectory();
        _directory = RunningAsRoot
            ? (await RunAsync("mktemp", ["-d", Path.Combine(Path.GetTempPath(), "streamhub-pg-XXXXXX")])).Trim()
            : Directory.CreateTempSubdirectory("streamhub-pg-").FullName;
        Port = FreePorts.Next();
        // Trust on loopback: a throwaway cluster. The C locale sorts names by their bytes, as SQLite does.
        await RunAsync(Path.Combine(_bin, "initdb"), ["-D", DataDirectory, "-U", "postgres", "--auth=trust", "--encoding=UTF8",
            "--no-locale", "--no-sync"]);
        await StartServerAsync();
        _started = true;
    }

    /// <summary>A connection string for a new, empty database of its own.</summary>
    public async Task<string> CreateDatabaseAsync(string prefix)
    {
        var name = $"{prefix}_{Guid.NewGuid():N}"[..Math.Min(prefix.Length + 13, 63)].ToLowerInvariant();
        await using (var connection = new NpgsqlConnection(ConnectionString("postgres")))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
            await command.ExecuteNonQueryAsync();
        }
        return ConnectionString(name);
    }

    /// <summary>A connection string for <paramref name="database"/> (which need not exist: StreamHub creates it).</summary>
    public string ConnectionString(string database) =>
        new NpgsqlConnectionStringBuilder { Host = "127.0.0.1", Port = Port, Username = "postgres", Database = database }.ToString();

    /// <summary>StreamHub's own database context on <paramref name="connectionString"/>, as the server configures it
    /// (its migrations are hand-written and carry no model snapshot).</summary>
    public static StreamHub.StreamKeys.StreamKeyDbContext Context(string connectionString) =>
        new(new Microsoft.EntityFrameworkCore.DbContextOptionsBuilder<StreamHub.StreamKeys.StreamKeyDbContext>().UseNpgsql(connectionString)
            .ConfigureWarnings(w => w.Ignore(Microsoft.EntityFrameworkCore.Diagnostics.RelationalEventId.PendingModelChangesWarning)).Options);

    /// <summary>Stops the server as a crash would (<c>pg_ctl stop -m immediate</c>): connections drop at once.</summary>
    public Task StopImmediatelyAsync() =>
        RunAsync(Path.Combine(_bin, "pg_ctl"), ["-D", DataDirectory, "-m", "immediate", "-w", "-t", "30", "stop"]);

    /// <summary>Starts the server again after <see cref="StopImmediatelyAsync"/>, on the same port (it recovers from
    /// its write-ahead log first).</summary>
    public Task StartAgainAsync() => StartServerAsync();

    // -w -t: pg_ctl itself waits (bounded) until the server accepts connections. Durability is not wanted here.
    private Task StartServerAsync() =>
        RunAsync(Path.Combine(_bin, "pg_ctl"), ["-D", DataDirectory, "-l", LogFile, "-w", "-t", "60", "-o",
            $"-p {Port} -c listen_addresses=127.0.0.1 -k {_directory} -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200",
            "start"]);

    public async Task DisposeAsync()
    {
        if (_started)
        {
            NpgsqlConnection.ClearAllPools();
            try
            {
                await RunAsync(Path.Combine(_bin, "pg_ctl"), ["-D", DataDirectory, "-m", "fast", "-w", "-t", "30", "stop"]);
            }
            catch (Exception)
            {
                await RunAsync(Path.Combine(_bin, "pg_ctl"), ["-D", DataDirectory, "-m", "immediate", "-w", "-t", "30", "stop"]);
            }
        }
        if (_directory.Length > 0 && Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    /// <summary>The newest installed major version's programs (<c>/usr/lib/postgresql/{version}/bin</c>).</summary>
    private static string FindBinDirectory()
    {
        var root = "/usr/lib/postgresql";
        var bin = Directory.Exists(root)
            ? Directory.GetDirectories(root)
                .Select(d => (Path: Path.Combine(d, "bin"), Version: int.TryParse(Path.GetFileName(d), out var v) ? v : 0))
                .Where(d => File.Exists(Path.Combine(d.Path, "initdb")))
                .OrderByDescending(d => d.Version)
                .Select(d => d.Path)
                .FirstOrDefault()
            : null;
        if (bin is null)
        {
            Assert.Fail("PostgreSQL's initdb is not in /usr/lib/postgresql/*/bin; install postgresql (.ci/run installs it) to run this test.");
        }
        return bin!;
    }

    /// <summary>Runs a PostgreSQL program (as the postgres user when the tests run as root); its output on success,
    /// the output and the server log in the failure otherwise.</summary>
    private async Task<string> RunAsync(string program, IReadOnlyList<string> arguments)
    {
        var result = RunningAsRoot
            ? await ExternalProcess.RunAsync(ExternalProcess.Require("runuser", "util-linux"), ["-u", "postgres", "--", program, .. arguments], StepTimeout, "/")
            : await ExternalProcess.RunAsync(program, arguments, StepTimeout, "/");
        if (result.ExitCode != 0)
        {
            var log = File.Exists(LogFile) ? File.ReadAllText(LogFile) : "";
            throw new InvalidOperationException($"{Path.GetFileName(program)} {string.Join(' ', arguments)} exited with {result.ExitCode}:\n{result.Output}\n{log}");
        }
        return result.StandardOutput;
    }
}
