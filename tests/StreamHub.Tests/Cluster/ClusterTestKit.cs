using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using StreamHub.Tests.Infrastructure;
using StreamHub.Tests.Restream;

namespace StreamHub.Tests.Cluster;

/// <summary>StreamHub nodes as processes on one PostgreSQL database, and what the cluster tests ask of them.</summary>
internal static partial class ClusterTestKit
{
    public const string Admin = "cluster-admin-key";
    public const double IntervalSeconds = 0.5;
    public const double ExpirySeconds = 2;

    /// <summary>How long a change may take to show across nodes (a heartbeat, a notice, a placement read).</summary>
    public static readonly TimeSpan Soon = TimeSpan.FromSeconds(15);

    /// <summary>How long a real player (ffmpeg, rtmpdump) may take to decode what a test asks of it.</summary>
    public static readonly TimeSpan PlayerLimit = TimeSpan.FromSeconds(90);

    /// <param name="extra">Settings added or overridden; a null value removes the setting.</param>
    public static async Task<StreamHubProcess> StartNodeAsync(string connectionString, string nodeId, params (string Name, string? Value)[] extra)
    {
        var settings = StreamHubProcess.DefaultSettings();
        settings["StreamHub__Admin__ApiKey"] = Admin;
        settings["StreamHub__Database__Provider"] = "Postgres";
        settings["StreamHub__Database__ConnectionString"] = connectionString;
        settings["StreamHub__Cluster__NodeId"] = nodeId;
        settings["StreamHub__Cluster__PublicUrls__0"] = $"http://127.0.0.1:{settings["StreamHub__Http__Port"]}";
        settings["StreamHub__Cluster__PublicUrls__1"] = $"rtmp://127.0.0.1:{settings["StreamHub__Rtmp__Port"]}";
        settings["StreamHub__Cluster__HeartbeatIntervalSeconds"] = IntervalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        settings["StreamHub__Cluster__HeartbeatExpirySeconds"] = ExpirySeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        foreach (var (name, value) in extra)
        {
            if (value is null)
            {
                settings.Remove(name);
            }
            else
            {
                settings[name] = value;
            }
        }
        var node = StreamHubProcess.Start(settings);
        await node.WaitUntilReadyAsync();
        return node;
    }

    /// <summary>A page of <paramref name="node"/>'s dashboard, signed in with the admin key.</summary>
    public static async Task<IPage> OpenDashboardAsync(IBrowser browser, StreamHubProcess node)
    {
        var page = await browser.NewPageAsync();
        page.SetDefaultTimeout(15_000);
        await page.GotoAsync($"http://127.0.0.1:{node.HttpPort}/");
        await page.GetByLabel("Admin API key").FillAsync(Admin);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        return page;
    }

    public static HttpClient Api(StreamHubProcess node)
    {
        var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{node.HttpPort}/"), Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Add("X-Api-Key", Admin);
        return client;
    }

    public static async Task<(string Name, string Key)> CreateStreamAsync(HttpClient api, string prefix)
    {
        var name = UniqueNames.Stream(prefix);
        var response = await api.PostAsJsonAsync("/api/streams", new { name });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (name, (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("key").GetString()!);
    }

    /// <summary>ffmpeg publishing a short clip over and over (stream copy: no encoding while the test runs).</summary>
    public static BackgroundProcess Publish(StreamHubProcess node, string key, string name = "publisher") =>
        BackgroundProcess.Start(name, ExternalProcess.Require("ffmpeg", "ffmpeg"),
            ["-hide_banner", "-loglevel", "warning", "-nostdin", "-re", "-stream_loop", "-1", "-i", RestreamTestKit.Clip(), "-c", "copy",
                "-f", "flv", $"rtmp://127.0.0.1:{node.RtmpPort}/live/{key}"]);

    public static Task<JsonElement> ClusterAsync(HttpClient api) => api.GetFromJsonAsync<JsonElement>("/api/cluster");

    /// <summary>The node /api/cluster says holds <paramref name="name"/>, or null.</summary>
    public static string? HolderOf(JsonElement cluster, string name) => cluster.GetProperty("streams").EnumerateArray()
        .Where(s => s.GetProperty("name").GetString() == name).Select(s => s.GetProperty("node").GetString()).FirstOrDefault();

    public static JsonElement? NodeOf(JsonElement cluster, string id) => cluster.GetProperty("nodes").EnumerateArray()
        .Where(n => n.GetProperty("id").GetString() == id).Select(n => (JsonElement?)n).FirstOrDefault();

    /// <summary>Polls /api/cluster until <paramref name="condition"/> holds; fails with the last answer after <paramref name="timeout"/>.</summary>
    public static async Task<JsonElement> WaitForClusterAsync(HttpClient api, Func<JsonElement, bool> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        JsonElement last;
        do
        {
            last = await ClusterAsync(api);
            if (condition(last))
            {
                return last;
            }
            await Task.Delay(100);
        }
        while (DateTime.UtcNow < deadline);
        Assert.Fail($"/api/cluster: not {what} within {timeout.TotalSeconds} s; last answer: {last}");
        return last;
    }

    /// <summary>Polls an HLS playlist until it lists <paramref name="count"/> fMP4 segments; returns that playlist.</summary>
    public static async Task<string> PlaylistWithSegmentsAsync(HttpClient http, string url, int count, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            using var answer = await http.GetAsync(url);
            var body = await answer.Content.ReadAsStringAsync();
            if (answer.StatusCode == HttpStatusCode.OK && Segments(body).Count() >= count)
            {
                return body;
            }
            Assert.True(DateTime.UtcNow < deadline, $"{url} did not list {count} segments within {timeout.TotalSeconds} s: {(int)answer.StatusCode} {body}");
            await Task.Delay(200);
        }
    }

    /// <summary>The segment URIs a playlist lists (not its parts).</summary>
    public static IEnumerable<string> Segments(string playlist) =>
        playlist.Split('\n').Select(l => l.Trim()).Where(l => SegmentPath().IsMatch(l));

    [GeneratedRegex(@"^s\d+\.m4s$")]
    private static partial Regex SegmentPath();
}
