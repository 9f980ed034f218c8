using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using StreamHub.StreamKeys;

namespace StreamHub.LoadTest;

/// <summary>The key lookup a publish makes, timed by itself against a real PostgreSQL: StreamHub's own
/// <see cref="StreamKeyAuthorizer"/> over its <see cref="StreamKeyDbContext"/> (a scope and a context per lookup,
/// pooled Npgsql connections), as the RTMP session calls it, among <c>streams</c> stored streams.</summary>
public static class KeyLookupTiming
{
    /// <param name="CpuMsPerLookup">This process's CPU time per lookup (StreamHub's side of it; PostgreSQL's is not in it):
    /// what a lookup costs, whatever the machine's load; NaN when the process did other work meanwhile.</param>
    public sealed record Figures(int Streams, int Lookups, double P50Ms, double P90Ms, double P99Ms, double MaxMs, double CpuMsPerLookup);

    /// <summary><c>--mode key-lookup</c>: the lookup alone, on a PostgreSQL of its own that nothing else uses
    /// (migrated by StreamHub's migrations). <c>dotnet run -c Release --project benchmarks/StreamHub.LoadTest -- --mode
    /// key-lookup [--lookups 5000] [--lookup-streams 1000]</c></summary>
    public static async Task<int> RunAsync(string[] args)
    {
        var lookups = LoadTestOptions.IntOption(args, "--lookups", 5000);
        var streams = LoadTestOptions.IntOption(args, "--lookup-streams", 1000);
        if (PostgresInstance.Unavailable() is { } why)
        {
            Console.WriteLine(why);
            return 2;
        }
        var runId = DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", System.Globalization.CultureInfo.InvariantCulture);
        await using var postgres = await PostgresInstance.StartAsync();
        var database = postgres.ConnectionString("streamhub");
        var services = new ServiceCollection();
        services.AddDbContext<StreamKeyDbContext>(options => options.UseNpgsql(database)
            .ConfigureWarnings(w => w.Ignore(RelationalEventId.PendingModelChangesWarning)));
        await using (var provider = services.BuildServiceProvider())
        await using (var scope = provider.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<StreamKeyDbContext>().Database.MigrateAsync();
        }
        var load = File.ReadAllText("/proc/loadavg").Split(' ')[0];
        var figures = await MeasureAsync(database, streams, lookups, "alone", processIdle: true);
        var result = new { RunId = runId, Cores = Environment.ProcessorCount, LoadAverageAtStart = load,
            LoadAverageAtEnd = File.ReadAllText("/proc/loadavg").Split(' ')[0], KeyLookup = figures };
        var json = System.Text.Json.JsonSerializer.Serialize(result, new System.Text.Json.JsonSerializerOptions { WriteIndented = true });
        Console.WriteLine(json);
        var file = Path.Combine(LoadTestOptions.FindRepositoryRoot(), "benchmarks", "results", $"key-lookup-{runId}.json");
        await File.WriteAllTextAsync(file, json);
        Console.WriteLine($"Saved {file}");
        return 0;
    }

    public static async Task<Figures> MeasureAsync(string connectionString, int streams, int lookups, string label, bool processIdle)
    {
        var services = new ServiceCollection();
        services.AddDbContext<StreamKeyDbContext>(options => options.UseNpgsql(connectionString)
            .ConfigureWarnings(w => w.Ignore(RelationalEventId.PendingModelChangesWarning)));
        services.AddScoped<StreamKeyStore>();
        services.AddSingleton(TimeProvider.System);
        await using var provider = services.BuildServiceProvider();
        var keys = new List<string>(streams);
        await using (var scope = provider.CreateAsyncScope())
        {
            var store = scope.ServiceProvider.GetRequiredService<StreamKeyStore>();
            for (var i = 0; i < streams; i++)
            {
                var created = await store.CreateAsync($"lookup-{label}-{i}", null, null, CancellationToken.None)
                    ?? throw new InvalidOperationException($"stream lookup-{label}-{i} exists");
                keys.Add(created.Key);
            }
        }
        var authorizer = new StreamKeyAuthorizer(provider.GetRequiredService<IServiceScopeFactory>(), TimeProvider.System);
        // Warm-up: EF's model and query cache, the connection pool.
        for (var i = 0; i < 200; i++)
        {
            await authorizer.AuthorizePublishAsync(keys[i % keys.Count], CancellationToken.None);
        }
        var times = new double[lookups];
        var cpu = System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime;
        for (var i = 0; i < lookups; i++)
        {
            var key = keys[Random.Shared.Next(keys.Count)];
            var started = Stopwatch.GetTimestamp();
            var decision = await authorizer.AuthorizePublishAsync(key, CancellationToken.None);
            times[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            if (decision.Verdict != PublishVerdict.Allowed)
            {
                throw new InvalidOperationException($"lookup {i}: {decision.Verdict}");
            }
        }
        cpu = System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime - cpu;
        Array.Sort(times);
        double At(double p) => Math.Round(times[(int)Math.Min(times.Length - 1, p * times.Length)], 3);
        return new Figures(streams, lookups, At(0.50), At(0.90), At(0.99), Math.Round(times[^1], 3),
            processIdle ? Math.Round(cpu.TotalMilliseconds / lookups, 3) : double.NaN);
    }
}
