using System.Net.Http.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace StreamHub.Tests.Infrastructure;

/// <summary>The real StreamHub app in this process on real loopback sockets (Kestrel, not TestServer): its RTMP, HTTP
/// and HTTPS listeners on free ports, its data directory in a fresh temp folder, a known admin key.</summary>
public sealed class StreamHubHost : IAsyncDisposable
{
    public const string AdminKey = "test-admin-key-0123456789";

    /// <summary>A PostgreSQL connection string without a database: when set, hosts store their keys there.</summary>
    public const string PostgresVariable = "STREAMHUB_TEST_POSTGRES";

    private static readonly Lock StartGate = new();

    private readonly WebApplicationFactory<StreamHub.Program> _factory;

    private StreamHubHost(Dictionary<string, string?> settings, string dataDirectory, Action<IServiceCollection>? configureServices)
    {
        Settings = settings;
        DataDirectory = dataDirectory;
        _factory = new WebApplicationFactory<StreamHub.Program>().WithWebHostBuilder(builder =>
        {
            builder.UseEnvironment("Test");
            foreach (var (key, value) in settings)
            {
                builder.UseSetting(key, value);
            }
            if (configureServices is not null)
            {
                builder.ConfigureTestServices(configureServices);
            }
        });
        _factory.UseKestrel();
    }

    public IReadOnlyDictionary<string, string?> Settings { get; }
    public string DataDirectory { get; }
    public int RtmpPort => int.Parse(Settings["StreamHub:Rtmp:Port"]!);
    public int HttpPort => int.Parse(Settings["StreamHub:Http:Port"]!);
    public int HttpsPort => int.Parse(Settings["StreamHub:Https:Port"]!);
    public IServiceProvider Services => _factory.Services;
    public Uri HttpBase => new($"http://127.0.0.1:{HttpPort}/");

    /// <summary>Starts a host. <paramref name="overrides"/> replace the test defaults (a null value removes one);
    /// <paramref name="configureServices"/> adds test services (e.g. an <c>IMediaSink</c> that records frames).</summary>
    public static StreamHubHost Start(IDictionary<string, string?>? overrides = null, string? dataDirectory = null,
        Action<IServiceCollection>? configureServices = null)
    {
        dataDirectory ??= Directory.CreateTempSubdirectory("streamhub-test-").FullName;
        var settings = new Dictionary<string, string?>
        {
            ["StreamHub:BindAddress"] = "127.0.0.1",
            ["StreamHub:DataDirectory"] = dataDirectory,
            ["StreamHub:Rtmp:Port"] = FreePorts.Next().ToString(),
            ["StreamHub:Http:Port"] = FreePorts.Next().ToString(),
            ["StreamHub:Https:Port"] = FreePorts.Next().ToString(),
            ["StreamHub:Admin:ApiKey"] = AdminKey,
            ["StreamHub:Logging:MinimumLevel"] = "Warning",
            // Many tests present bad keys from 127.0.0.1 on purpose; the backoff has its own tests.
            ["StreamHub:Limits:BadKeyAttempts"] = "1000",
        };
        // .ci/run's second pass runs the single-node tests again on a PostgreSQL it started: each host then gets a new
        // database of its own there (StreamHub creates it) and stays one node, unless the test chose its store itself.
        if (Environment.GetEnvironmentVariable(PostgresVariable) is { Length: > 0 } postgres
            && overrides?.ContainsKey("StreamHub:Database:Provider") != true)
        {
            settings["StreamHub:Database:Provider"] = "Postgres";
            settings["StreamHub:Database:ConnectionString"] = $"{postgres};Database=host_{Guid.NewGuid():N}";
            settings["StreamHub:Cluster:Enabled"] = "false";
        }
        foreach (var (key, value) in overrides ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }
        var host = new StreamHubHost(settings, dataDirectory, configureServices);
        // WebApplicationFactory finds the app's host through a process-wide DiagnosticListener: two hosts starting at
        // once can take each other's events ("The entry point exited without ever building an IHost"). One at a time.
        lock (StartGate)
        {
            host._factory.StartServer();
        }
        return host;
    }

    public T GetService<T>() where T : notnull => _factory.Services.GetRequiredService<T>();

    /// <summary>An HTTP client on the real HTTP listener, with the admin key unless <paramref name="withAdminKey"/> is false.</summary>
    public HttpClient CreateHttpClient(bool withAdminKey = true)
    {
        var client = new HttpClient { BaseAddress = HttpBase, Timeout = TimeSpan.FromSeconds(30) };
        if (withAdminKey)
        {
            client.DefaultRequestHeaders.Add("X-Api-Key", AdminKey);
        }
        return client;
    }

    /// <summary>Creates a stream with a unique name through the real API; returns its name and key.</summary>
    public async Task<(string Name, string Key)> CreateStreamAsync(string prefix = "s")
    {
        using var client = CreateHttpClient();
        var name = UniqueNames.Stream(prefix);
        var response = await client.PostAsJsonAsync("/api/streams", new { name });
        Assert.Equal(System.Net.HttpStatusCode.Created, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>();
        return (name, body.GetProperty("key").GetString()!);
    }

    public async ValueTask DisposeAsync()
    {
        await _factory.DisposeAsync();
    }
}
