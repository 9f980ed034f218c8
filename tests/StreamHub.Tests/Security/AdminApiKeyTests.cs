using System.Net;
using System.Text.RegularExpressions;
using StreamHub.Tests.Infrastructure;

namespace StreamHub.Tests.Security;

public sealed class AdminApiKeyTests
{
    [Fact]
    public async Task Without_a_configured_key_one_is_generated_stored_printed_once_and_works()
    {
        var settings = StreamHubProcess.DefaultSettings();
        string printed;
        await using (var first = StreamHubProcess.Start(settings))
        {
            await first.WaitUntilReadyAsync();
            var match = Regex.Match(first.Output, @"generated an admin API key.*\r?\n\s+([A-Za-z0-9_-]{40,})");
            Assert.True(match.Success, first.Output);
            printed = match.Groups[1].Value;

            var file = Path.Combine(first.DataDirectory, "admin-api-key");
            Assert.Equal(printed, (await File.ReadAllTextAsync(file)).Trim());
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));

            using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{first.HttpPort}") };
            Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/streams")).StatusCode);
            client.DefaultRequestHeaders.Add("X-Api-Key", printed);
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/streams")).StatusCode);
            // Printed once: the key appears in the banner and nowhere else.
            Assert.Equal(1, Regex.Matches(first.Output, Regex.Escape(printed)).Count);
        }

        // Second start on the same data directory: same key, read from the file, not printed again.
        var again = StreamHubProcess.WithFreshPorts(settings);
        await using var second = StreamHubProcess.Start(again);
        await second.WaitUntilReadyAsync();
        Assert.DoesNotContain(printed, second.Output);
        Assert.DoesNotContain("generated an admin API key", second.Output);
        using var client2 = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{second.HttpPort}") };
        client2.DefaultRequestHeaders.Add("X-Api-Key", printed);
        Assert.Equal(HttpStatusCode.OK, (await client2.GetAsync("/api/streams")).StatusCode);
    }

    [Fact]
    public async Task A_configured_key_is_used_and_never_printed()
    {
        var settings = StreamHubProcess.DefaultSettings();
        settings["StreamHub__Admin__ApiKey"] = "my-own-admin-key-42";
        await using var server = StreamHubProcess.Start(settings);
        await server.WaitUntilReadyAsync();

        Assert.DoesNotContain("my-own-admin-key-42", server.Output);
        Assert.False(File.Exists(Path.Combine(server.DataDirectory, "admin-api-key")));
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{server.HttpPort}") };
        client.DefaultRequestHeaders.Add("X-Api-Key", "my-own-admin-key-42");
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/streams")).StatusCode);
    }
}
