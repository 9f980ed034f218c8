using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using StreamHub.Tests.EndToEnd;
using StreamHub.Tests.Infrastructure;

namespace StreamHub.Tests.Security;

/// <summary>The publish path's guards over real sockets, with ffmpeg as the encoder and the server's own log.</summary>
public sealed class PublishAccessTests
{
    private const string Admin = "publish-access-admin";

    [Fact]
    public async Task A_publisher_outside_the_publish_rules_is_refused_like_a_bad_key_and_logged_with_its_address()
    {
        var settings = StreamHubProcess.DefaultSettings();
        settings["StreamHub__Admin__ApiKey"] = Admin;
        settings["StreamHub__Access__Publish__Deny__0"] = "127.0.0.0/8";
        await using var server = StreamHubProcess.Start(settings);
        await server.WaitUntilReadyAsync();
        var (_, key) = await CreateAsync(server, "denied-cam");

        var result = await PublishAsync(server.RtmpPort, key);

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("Operation not permitted", result.Output);
        await server.WaitForOutputAsync("the address is not allowed to publish (StreamHub:Access:Publish)");
        Assert.Contains("from 127.0.0.1:", server.Output);
        Assert.DoesNotContain(key, server.Output);
    }

    [Fact]
    public async Task After_many_bad_keys_from_an_address_its_further_bad_keys_are_held_but_the_right_key_publishes_at_once()
    {
        var settings = StreamHubProcess.DefaultSettings();
        settings["StreamHub__Admin__ApiKey"] = Admin;
        settings["StreamHub__Logging__MinimumLevel"] = "Debug";
        settings["StreamHub__Limits__BadKeyAttempts"] = "2";
        settings["StreamHub__Limits__BadKeyDelaySeconds"] = "2";
        await using var server = StreamHubProcess.Start(settings);
        await server.WaitUntilReadyAsync();
        var (_, key) = await CreateAsync(server, "guarded-cam");

        // A neighbour behind the same address guesses: the third bad key's refusal is held.
        Assert.NotEqual(0, (await PublishAsync(server.RtmpPort, "guess-1")).ExitCode);
        Assert.NotEqual(0, (await PublishAsync(server.RtmpPort, "guess-2")).ExitCode);
        var held = await PublishAsync(server.RtmpPort, "guess-3");
        Assert.NotEqual(0, held.ExitCode);
        Assert.Contains("Operation not permitted", held.Output);

        // The encoder with the right key is not locked out (ffmpeg's own bounded wait: PublishAsync's timeout).
        var withTheRightKey = await PublishAsync(server.RtmpPort, key);
        Assert.True(withTheRightKey.ExitCode == 0, withTheRightKey.Output);
        await server.WaitForOutputAsync("publishing stream guarded-cam");
        await server.WaitForOutputAsync("the refusal is held 2 s (StreamHub:Limits:BadKeyDelaySeconds)");
    }

    [Fact]
    public async Task A_stream_with_its_own_publisher_networks_refuses_other_addresses_until_they_are_allowed()
    {
        await using var host = StreamHubHost.Start();
        var (name, key) = await host.CreateStreamAsync("fenced");
        using var client = host.CreateHttpClient();
        Assert.Equal(HttpStatusCode.OK, (await client.PatchAsJsonAsync($"/api/streams/{name}", new { allowedPublishers = new[] { "10.0.0.0/8" } })).StatusCode);

        var refused = await PublishAsync(host.RtmpPort, key);
        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains("Operation not permitted", refused.Output);

        Assert.Equal(HttpStatusCode.OK, (await client.PatchAsJsonAsync($"/api/streams/{name}", new { allowedPublishers = new[] { "10.0.0.0/8", "127.0.0.1" } })).StatusCode);
        var accepted = await PublishAsync(host.RtmpPort, key);
        Assert.True(accepted.ExitCode == 0, accepted.Output);
    }

    [Fact]
    public async Task Deleting_a_live_stream_disconnects_its_publisher()
    {
        await using var host = StreamHubHost.Start();
        var (name, key) = await host.CreateStreamAsync("kicked");
        using var ffmpeg = LiveStatsTests.StartLivePublish(host.RtmpPort, key, seconds: 60);
        try
        {
            using var client = host.CreateHttpClient();
            await WaitUntilAsync(async () => (await client.GetFromJsonAsync<JsonElement>($"/api/streams/{name}")).GetProperty("isLive").GetBoolean());

            Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"/api/streams/{name}")).StatusCode);

            await ffmpeg.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(20));
            Assert.NotEqual(0, ffmpeg.ExitCode);
            Assert.Null(host.GetService<StreamHub.Live.LiveStreamRegistry>().Find(name));
        }
        finally
        {
            if (!ffmpeg.HasExited)
            {
                ffmpeg.Kill(entireProcessTree: true);
            }
        }
    }

    private static async Task<(string Name, string Key)> CreateAsync(StreamHubProcess server, string name)
    {
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{server.HttpPort}") };
        client.DefaultRequestHeaders.Add("X-Api-Key", Admin);
        var response = await client.PostAsJsonAsync("/api/streams", new { name });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (name, (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("key").GetString()!);
    }

    private static Task<ExternalProcess.Result> PublishAsync(int port, string key) => ExternalProcess.RunAsync(
        ExternalProcess.Require("ffmpeg", "ffmpeg"),
        ["-v", "error", "-f", "lavfi", "-i", "testsrc2=size=160x120:rate=25", "-t", "2", "-c:v", "libx264", "-f", "flv", $"rtmp://127.0.0.1:{port}/live/{key}"],
        TimeSpan.FromSeconds(60));

    private static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(30))
        {
            if (await condition())
            {
                return;
            }
            await Task.Delay(200);
        }
        Assert.Fail("The condition was never met.");
    }
}
