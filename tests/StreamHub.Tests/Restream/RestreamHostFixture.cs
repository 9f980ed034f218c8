using Microsoft.Extensions.DependencyInjection;
using StreamHub.Restream;
using StreamHub.Tests.Infrastructure;

namespace StreamHub.Tests.Restream;

/// <summary>One in-process StreamHub whose <see cref="IRestreamControl"/> is a <see cref="RecordingRestreamControl"/>.</summary>
public sealed class RestreamHostFixture : IAsyncLifetime
{
    public StreamHubHost Host { get; private set; } = null!;
    public RecordingRestreamControl Control { get; } = new();

    public Task InitializeAsync()
    {
        Host = StreamHubHost.Start(configureServices: services => services.AddSingleton<IRestreamControl>(Control));
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        if (Host is not null)
        {
            await Host.DisposeAsync();
        }
    }
}
