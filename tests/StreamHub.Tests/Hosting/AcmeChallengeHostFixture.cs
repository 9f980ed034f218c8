using StreamHub.Tests.Infrastructure;

namespace StreamHub.Tests.Hosting;

/// <summary>One StreamHub for the ACME endpoint tests, with the dashboard redirected to HTTPS, its default webroot
/// ready, and a secret file wherever a path that climbs out of the challenge directory would land.</summary>
public sealed class AcmeChallengeHostFixture : IAsyncLifetime
{
    public const string Secret = "SECRET-must-never-be-served";

    public StreamHubHost Host { get; private set; } = null!;

    /// <summary>Where certbot --webroot -w {DataDirectory}/acme-webroot puts its challenge files.</summary>
    public string ChallengeDirectory { get; private set; } = null!;

    public Task InitializeAsync()
    {
        Host = StreamHubHost.Start(new Dictionary<string, string?> { ["StreamHub:Http:RedirectToHttps"] = "true" });
        var webroot = Path.Combine(Host.DataDirectory, "acme-webroot");
        ChallengeDirectory = Path.Combine(webroot, ".well-known", "acme-challenge");
        Directory.CreateDirectory(ChallengeDirectory);
        File.WriteAllText(Path.Combine(webroot, ".well-known", "secret"), Secret);
        File.WriteAllText(Path.Combine(webroot, "secret"), Secret);
        File.WriteAllText(Path.Combine(Host.DataDirectory, "secret"), Secret);
        File.WriteAllText(Path.Combine(ChallengeDirectory, ".secret"), Secret);
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
