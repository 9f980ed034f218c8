using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using StreamHub.Live;
using StreamHub.Tests.Infrastructure;

namespace StreamHub.Tests.Rtmp.EndToEnd;

/// <summary>One real StreamHub (real sockets) shared by the RTMP end-to-end tests, with a sink recording every
/// frame. Each test makes its own stream through the real API, so tests do not see each other's frames.</summary>
public class RtmpHostFixture : IAsyncLifetime
{
    public StreamHubHost Host { get; private set; } = null!;
    public RecordingMediaSink Sink { get; } = new();

    /// <summary>Settings for this fixture's host; the hostile suite shortens the timeouts.</summary>
    public virtual IDictionary<string, string?> Settings => new Dictionary<string, string?>();

    public Task InitializeAsync()
    {
        Host = StreamHubHost.Start(Settings, configureServices: services => services.AddSingleton<IMediaSink>(Sink));
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await Host.DisposeAsync();

    /// <summary>POST /api/streams {"name"} → the new key.</summary>
    public async Task<string> CreateStreamAsync(string name)
    {
        using var client = Host.CreateHttpClient();
        var response = await client.PostAsJsonAsync("/api/streams", new { name });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(name, json.RootElement.GetProperty("name").GetString());
        return json.RootElement.GetProperty("key").GetString()!;
    }

    public string PublishUrl(string key) => $"rtmp://127.0.0.1:{Host.RtmpPort}/live/{key}";
}
