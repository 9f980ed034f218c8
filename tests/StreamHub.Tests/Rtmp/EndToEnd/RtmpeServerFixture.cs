using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using StreamHub.Tests.Infrastructure;

namespace StreamHub.Tests.Rtmp.EndToEnd;

/// <summary>One StreamHub process (real sockets, its log captured at Information) for the RTMPE classes, which run one
/// after another: real librtmp clients, and crafted handshakes whose refusal must show in the log.</summary>
public sealed class RtmpeServerFixture : IAsyncLifetime
{
    public const string AdminKey = "rtmpe-admin-key-0123456789";

    public StreamHubProcess Server { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var settings = StreamHubProcess.DefaultSettings();
        settings["StreamHub__Admin__ApiKey"] = AdminKey;
        settings["StreamHub__Logging__MinimumLevel"] = "Information";
        settings["StreamHub__Limits__BadKeyAttempts"] = "1000";
        settings["StreamHub__Rtmp__HandshakeTimeoutSeconds"] = "3";
        Server = StreamHubProcess.Start(settings);
        await Server.WaitUntilReadyAsync();
    }

    public async Task DisposeAsync()
    {
        if (Server is not null)
        {
            await Server.DisposeAsync();
        }
    }

    public async Task<(string Name, string Key)> CreateStreamAsync(string prefix)
    {
        using var api = Api();
        var name = UniqueNames.Stream(prefix);
        var response = await api.PostAsJsonAsync("/api/streams", new { name });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        return (name, body.GetProperty("key").GetString()!);
    }

    /// <summary>Waits (bounded) until the API says <paramref name="name"/> is live.</summary>
    public async Task WaitUntilLiveAsync(string name, BackgroundProcess publisher)
    {
        using var api = Api();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!(await api.GetFromJsonAsync<JsonElement>($"/api/streams/{name}")).GetProperty("isLive").GetBoolean())
        {
            publisher.AssertRunning();
            Assert.True(DateTime.UtcNow < deadline, $"{name} never went live:\n{publisher.Output}\n{Server.Output}");
            await Task.Delay(100);
        }
    }

    /// <summary>How many lines of the server's log contain <paramref name="text"/>.</summary>
    public int CountLines(string text, string? alsoContaining = null) => Server.Output.Split('\n').Count(l =>
        l.Contains(text, StringComparison.Ordinal) && (alsoContaining is null || l.Contains(alsoContaining, StringComparison.Ordinal)));

    private HttpClient Api()
    {
        var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{Server.HttpPort}/"), Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Add("X-Api-Key", AdminKey);
        return client;
    }
}
