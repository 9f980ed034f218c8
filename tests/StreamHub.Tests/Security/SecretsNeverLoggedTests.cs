using System.Net.Http.Json;
using System.Text.Json;
using StreamHub.Tests.Infrastructure;

namespace StreamHub.Tests.Security;

/// <summary>Everything the process prints, at the most verbose level, while keys are created, used and rotated:
/// the stream keys never appear.</summary>
public sealed class SecretsNeverLoggedTests
{
    [Fact]
    public async Task Stream_keys_never_appear_in_the_log_output()
    {
        var settings = StreamHubProcess.DefaultSettings();
        settings["StreamHub__Admin__ApiKey"] = "admin-key-for-log-test";
        settings["StreamHub__Logging__MinimumLevel"] = "Verbose";
        await using var server = StreamHubProcess.Start(settings);
        await server.WaitUntilReadyAsync();
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{server.HttpPort}") };
        client.DefaultRequestHeaders.Add("X-Api-Key", "admin-key-for-log-test");

        var created = await (await client.PostAsJsonAsync("/api/streams", new { name = "secretive" })).Content.ReadFromJsonAsync<JsonElement>();
        var key = created.GetProperty("key").GetString()!;
        var rotated = await (await client.PostAsync("/api/streams/secretive/rotate-key", null)).Content.ReadFromJsonAsync<JsonElement>();
        var newKey = rotated.GetProperty("key").GetString()!;
        await client.GetAsync("/api/streams/secretive");
        await server.WaitForOutputAsync("key rotated");

        Assert.Contains("secretive", server.Output);
        Assert.DoesNotContain(key, server.Output);
        Assert.DoesNotContain(newKey, server.Output);
        Assert.DoesNotContain("admin-key-for-log-test", server.Output);
    }
}
