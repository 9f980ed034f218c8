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

    /// <summary>A URL with a slash after the key makes ffmpeg send the key as part of the application name in connect
    /// (and in tcUrl); at the most verbose level the key still never appears, accepted or refused.</summary>
    [Fact]
    public async Task A_stream_key_sent_in_the_application_path_never_appears_in_the_log_output()
    {
        var ffmpeg = ExternalProcess.Require("ffmpeg", "ffmpeg");
        var settings = StreamHubProcess.DefaultSettings();
        settings["StreamHub__Admin__ApiKey"] = "admin-key-for-log-test";
        settings["StreamHub__Logging__MinimumLevel"] = "Verbose";
        await using var server = StreamHubProcess.Start(settings);
        await server.WaitUntilReadyAsync();
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{server.HttpPort}") };
        client.DefaultRequestHeaders.Add("X-Api-Key", "admin-key-for-log-test");
        var created = await (await client.PostAsJsonAsync("/api/streams", new { name = "secret-path" })).Content.ReadFromJsonAsync<JsonElement>();
        var key = created.GetProperty("key").GetString()!;
        const string WrongKey = "WrongKeyWrongKeyWrongKeyWrongKeyWrongKey123";

        async Task<ExternalProcess.Result> Publish(string path) => await ExternalProcess.RunAsync(ffmpeg,
        [
            "-hide_banner", "-loglevel", "warning", "-nostdin", "-re", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25",
            "-t", "1", "-c:v", "libx264", "-preset", "ultrafast", "-f", "flv", $"rtmp://127.0.0.1:{server.RtmpPort}/{path}",
        ], TimeSpan.FromSeconds(30));

        var accepted = await Publish($"live/{key}/");
        Assert.True(accepted.ExitCode == 0, accepted.Output);
        await server.WaitForOutputAsync("stream secret-path ended");
        Assert.NotEqual(0, (await Publish($"Live/{WrongKey}/")).ExitCode);
        await server.WaitForOutputAsync("unknown stream key");
        Assert.NotEqual(0, (await Publish($"other/{key}/")).ExitCode);
        await server.WaitForOutputAsync("refused at connect");

        Assert.Contains("publishing stream secret-path", server.Output);
        Assert.Contains("connected to application live", server.Output);
        // In any case: the application name is compared without regard to case, so a lowercased copy would leak too.
        Assert.DoesNotContain(key, server.Output, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(WrongKey, server.Output, StringComparison.OrdinalIgnoreCase);
    }
}
