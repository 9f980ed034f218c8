namespace StreamHub.Tests.Infrastructure;

/// <summary>One in-process StreamHub shared by a test class (each test uses its own stream names).</summary>
public sealed class SharedHostFixture : IAsyncLifetime
{
    public StreamHubHost Host { get; private set; } = null!;

    public Task InitializeAsync()
    {
        Host = StreamHubHost.Start();
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
