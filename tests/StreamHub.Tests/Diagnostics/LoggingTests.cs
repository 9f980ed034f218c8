using System.Text.Json;
using StreamHub.Tests.Infrastructure;

namespace StreamHub.Tests.Diagnostics;

public sealed class LoggingTests
{
    [Fact]
    public async Task Json_format_writes_one_json_object_per_line_including_request_logs()
    {
        var settings = StreamHubProcess.DefaultSettings();
        settings["StreamHub__Logging__Format"] = "json";
        settings["StreamHub__Admin__ApiKey"] = "json-log-admin-key";
        await using var server = StreamHubProcess.Start(settings);
        await server.WaitUntilReadyAsync();
        using var client = new HttpClient();
        await client.GetAsync($"http://127.0.0.1:{server.HttpPort}/api/streams");
        await server.WaitForOutputAsync("/api/streams");

        var lines = server.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.NotEmpty(lines);
        var events = lines.Select(line => JsonDocument.Parse(line).RootElement).ToList();
        Assert.All(events, e => Assert.True(e.TryGetProperty("@t", out _) && e.TryGetProperty("@m", out _)));
        Assert.Contains(events, e => e.TryGetProperty("RequestPath", out var path) && path.GetString() == "/api/streams"
            && e.GetProperty("StatusCode").GetInt32() == 401 && e.GetProperty("RequestMethod").GetString() == "GET");
        Assert.Contains(events, e => e.TryGetProperty("Listener", out var l) && l.GetString() == "RTMP");
    }

    [Fact]
    public async Task Text_format_writes_readable_lines_with_request_logs()
    {
        var settings = StreamHubProcess.DefaultSettings();
        settings["StreamHub__Admin__ApiKey"] = "text-log-admin-key";
        await using var server = StreamHubProcess.Start(settings);
        await server.WaitUntilReadyAsync();
        using var client = new HttpClient();
        await client.GetAsync($"http://127.0.0.1:{server.HttpPort}/");
        await client.GetAsync($"http://127.0.0.1:{server.HttpPort}/healthz");

        await server.WaitForOutputAsync("HTTP GET /index.html responded 200");
        Assert.DoesNotContain("GET /healthz", server.Output); // routine requests are Debug
        Assert.Matches(@"\[\d\d:\d\d:\d\d\.\d{3} INF\] StreamHub\.Hosting\.Listeners: HTTP listening on 127\.0\.0\.1:\d+", server.Output);
    }
}
