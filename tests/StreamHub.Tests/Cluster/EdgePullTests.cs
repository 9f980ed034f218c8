using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;
using StreamHub.Tests.Infrastructure;
using Xunit.Abstractions;
using static StreamHub.Tests.Cluster.ClusterTestKit;

namespace StreamHub.Tests.Cluster;

/// <summary>RTMP and HTTP-FLV playback through another node: ffmpeg publishes to node A; ffmpeg, rtmpdump and
/// GStreamer play it from node B over RTMP and HTTP-FLV, and A sees one player (B's pull) whatever their number; the
/// pull closes after the last player leaves; the publisher stopping ends B's players. On the way: random names asked of
/// B cost at most one placement read a second, and B proxies the origin's ended HLS playlist instead of a 404. And
/// <c>kill -9</c> of the origin ends B's players (B's dashboard listed the relayed stream until then); an origin with
/// no rtmp:// URL is not found on the other nodes.</summary>
[Collection(PostgresCollection.Name)]
public sealed class EdgePullTests(PostgresServer postgres, ITestOutputHelper output)
{
    private static readonly (string, string) ShortLinger = ("StreamHub__Cluster__EdgePullLingerSeconds", "1");

    [Fact]
    public async Task Players_on_another_node_share_one_pull_from_the_origin_that_ends_with_the_last_player_or_the_publish()
    {
        var database = await postgres.CreateDatabaseAsync("pull");
        await using var nodeA = await StartNodeAsync(database, "node-a");
        await using var nodeB = await StartNodeAsync(database, "node-b", ShortLinger);
        try
        {
            await PlayThroughNodeBAsync(nodeA, nodeB);
        }
        catch
        {
            output.WriteLine($"node A:\n{nodeA.Output}\nnode B:\n{nodeB.Output}");
            throw;
        }
    }

    [Fact]
    public async Task Players_on_another_node_see_the_end_when_the_origin_is_killed_and_an_origin_without_an_rtmp_url_is_not_found()
    {
        var database = await postgres.CreateDatabaseAsync("pullkill");
        await using var nodeA = await StartNodeAsync(database, "node-a");
        // B lists only its http:// URL: the other nodes cannot pull its streams.
        await using var nodeB = await StartNodeAsync(database, "node-b", ("StreamHub__Cluster__PublicUrls__1", null));
        try
        {
            await OriginWithoutRtmpUrlAsync(nodeA, nodeB);
            var ended = await OriginLostAsync(nodeA, nodeB, "pullkill", nodeA.KillAsync, TimeSpan.FromSeconds(20), onDashboard: true);
            Assert.Contains("the origin closed the connection", ended, StringComparison.Ordinal);
        }
        catch
        {
            output.WriteLine($"node A:\n{nodeA.Output}\nnode B:\n{nodeB.Output}");
            throw;
        }
    }

    /// <summary>A stream live on B, which has no rtmp:// URL: A answers its RTMP players StreamNotFound and its
    /// HTTP-FLV players 404, and warns naming B.</summary>
    private async Task OriginWithoutRtmpUrlAsync(StreamHubProcess nodeA, StreamHubProcess nodeB)
    {
        using var apiA = Api(nodeA);
        var (name, publisher) = await PublishListedAsync(nodeB, "node-b", nodeA, "nourl");
        await using var _ = publisher;

        var rtmpdump = await ExternalProcess.RunAsync(ExternalProcess.Require("rtmpdump", "rtmpdump"),
            ["-r", $"rtmp://127.0.0.1:{nodeA.RtmpPort}/live/{name}", "--live", "-o", "/dev/null"], PlayerLimit);
        Assert.True(rtmpdump.ExitCode != 0 && rtmpdump.Output.Contains("NetStream.Play.StreamNotFound", StringComparison.Ordinal), rtmpdump.Output);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(20) };
        using var flv = await http.GetAsync($"http://127.0.0.1:{nodeA.HttpPort}/flv/{name}.flv", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.NotFound, flv.StatusCode);
        await nodeA.WaitForOutputAsync($"Stream {name} is live on node node-b, which has no rtmp:// URL", TimeSpan.FromSeconds(5));
        Assert.Empty((await ClusterAsync(apiA)).GetProperty("relayed").EnumerateArray());
    }

    [Fact]
    public async Task A_frozen_origin_ends_the_pull_and_its_players_after_the_origin_timeout()
    {
        var database = await postgres.CreateDatabaseAsync("pullfrozen");
        await using var nodeA = await StartNodeAsync(database, "node-a");
        await using var nodeB = await StartNodeAsync(database, "node-b");
        try
        {
            // SIGSTOP: the connection to the origin stays open and carries nothing, as when its host or the network
            // between the nodes is gone (no FIN, no RST): only the pull's 10 s read timeout ends it.
            var ended = await OriginLostAsync(nodeA, nodeB, "pullfrozen", async () =>
            {
                var stop = await ExternalProcess.RunAsync("kill", ["-STOP", nodeA.ProcessId.ToString(CultureInfo.InvariantCulture)], TimeSpan.FromSeconds(10));
                Assert.Equal(0, stop.ExitCode);
            }, TimeSpan.FromSeconds(30), onDashboard: false);
            Assert.Contains("the server sent nothing for 10 s", ended, StringComparison.Ordinal);
        }
        catch
        {
            output.WriteLine($"node A:\n{nodeA.Output}\nnode B:\n{nodeB.Output}");
            throw;
        }
    }

    /// <summary>The origin lost (<paramref name="loseOrigin"/>) under B's RTMP and HTTP-FLV players: they see the end
    /// within <paramref name="bound"/>, B says why its pull ended, and B (and its dashboard) no longer lists the relayed
    /// stream. Returns B's log line.</summary>
    private async Task<string> OriginLostAsync(StreamHubProcess nodeA, StreamHubProcess nodeB, string prefix, Func<Task> loseOrigin,
        TimeSpan bound, bool onDashboard)
    {
        using var apiB = Api(nodeB);
        var (name, publisher) = await PublishListedAsync(nodeA, "node-a", nodeB, prefix);
        await using var _ = publisher;
        var ffmpeg = ExternalProcess.Require("ffmpeg", "ffmpeg");
        var players = new[]
        {
            ExternalProcess.RunAsync(ffmpeg, ["-hide_banner", "-loglevel", "error", "-nostdin", "-i", $"rtmp://127.0.0.1:{nodeB.RtmpPort}/live/{name}",
                "-c", "copy", "-f", "null", "-"], PlayerLimit),
            ExternalProcess.RunAsync(ffmpeg, ["-hide_banner", "-loglevel", "error", "-nostdin", "-i", $"http://127.0.0.1:{nodeB.HttpPort}/flv/{name}.flv",
                "-c", "copy", "-f", "null", "-"], PlayerLimit),
        };
        await WaitForClusterAsync(apiB, c => PlayersOnEdge(c, name) >= 2, TimeSpan.FromSeconds(30), $"relaying {name} to 2 players");
        // B's dashboard lists the relayed stream in its Cluster panel.
        await using var browser = onDashboard ? await Browser.LaunchAsync() : null;
        var page = browser is null ? null : await OpenDashboardAsync(browser.Instance, nodeB);
        if (page is not null)
        {
            var relayed = page.Locator($"#cluster-relayed tr[data-stream='{name}']");
            var pageWait = new LocatorAssertionsToHaveTextOptions { Timeout = 15_000 }; // polls every 2 s on a loaded machine
            await Assertions.Expect(relayed.Locator("[data-label='Origin node']")).ToHaveTextAsync("node-a", pageWait);
            await Assertions.Expect(relayed.Locator("[data-label='Players here']")).ToHaveTextAsync("2", pageWait);
        }

        await loseOrigin();
        var lost = Stopwatch.StartNew();
        var ended = await Task.WhenAll(players).WaitAsync(bound);
        output.WriteLine($"players on B ended {lost.ElapsedMilliseconds} ms after node A was lost: exit codes {string.Join(", ", ended.Select(e => e.ExitCode))}");
        await nodeB.WaitForOutputAsync($"Stream {name}: the pull from node node-a ended (", TimeSpan.FromSeconds(5));
        var line = nodeB.Output.Split('\n').First(l => l.Contains($"Stream {name}: the pull from node node-a ended (", StringComparison.Ordinal));
        output.WriteLine(line);
        Assert.Contains("it had started: True", line, StringComparison.Ordinal);
        Assert.DoesNotContain("no player for", line, StringComparison.Ordinal);
        Assert.Empty((await ClusterAsync(apiB)).GetProperty("relayed").EnumerateArray());
        if (page is not null)
        {
            await Assertions.Expect(page.Locator("#cluster-relayed")).ToBeHiddenAsync(new() { Timeout = 15_000 });
        }
        return line;
    }

    /// <summary>A new stream published on <paramref name="origin"/>, once <paramref name="viewer"/>'s /api/cluster
    /// lists it there.</summary>
    private static async Task<(string Name, BackgroundProcess Publisher)> PublishListedAsync(StreamHubProcess origin, string originId,
        StreamHubProcess viewer, string prefix)
    {
        using var originApi = Api(origin);
        using var viewerApi = Api(viewer);
        var (name, key) = await CreateStreamAsync(originApi, prefix);
        var publisher = Publish(origin, key);
        try
        {
            await WaitForClusterAsync(viewerApi, c => HolderOf(c, name) == originId, TimeSpan.FromSeconds(15), $"listing {name} on {originId}");
            return (name, publisher);
        }
        catch
        {
            await publisher.DisposeAsync();
            throw;
        }
    }

    private async Task PlayThroughNodeBAsync(StreamHubProcess nodeA, StreamHubProcess nodeB)
    {
        using var apiA = Api(nodeA);
        using var apiB = Api(nodeB);
        var (name, key) = await CreateStreamAsync(apiA, "pull");
        var publisher = Publish(nodeA, key);
        await WaitForClusterAsync(apiB, c => HolderOf(c, name) == "node-a", TimeSpan.FromSeconds(15), $"listing {name} on node-a");
        var rtmpB = $"rtmp://127.0.0.1:{nodeB.RtmpPort}/live/{name}";
        var flvB = $"http://127.0.0.1:{nodeB.HttpPort}/flv/{name}.flv";
        var ffmpeg = ExternalProcess.Require("ffmpeg", "ffmpeg");
        var directory = Directory.CreateTempSubdirectory("edge-pull-").FullName;

        // Three players on B at once (RTMP: rtmpdump and GStreamer; HTTP-FLV: ffmpeg), and two more that decode frames.
        var watchers = new List<BackgroundProcess>
        {
            BackgroundProcess.Start("rtmpdump", ExternalProcess.Require("rtmpdump", "rtmpdump"), ["-q", "-r", rtmpB, "--live", "-o", "/dev/null"]),
            BackgroundProcess.Start("rtmp2src", ExternalProcess.Require("gst-launch-1.0", "gstreamer1.0-plugins-bad"),
                ["-q", "rtmp2src", $"location={rtmpB}", "!", "fakesink"]),
            BackgroundProcess.Start("flv", ffmpeg, ["-hide_banner", "-loglevel", "error", "-nostdin", "-i", flvB, "-c", "copy", "-f", "null", "-"]),
        };
        try
        {
            var relayed = await WaitForClusterAsync(apiB, c => PlayersOnEdge(c, name) >= 3, TimeSpan.FromSeconds(30), $"relaying {name} to 3 players");
            output.WriteLine($"B relays: {relayed.GetProperty("relayed")}");
            var decodes = await Task.WhenAll(
                ExternalProcess.RunAsync(ffmpeg, ["-hide_banner", "-loglevel", "error", "-nostdin", "-i", rtmpB, "-frames:v", "50", "-f", "null", "-"], PlayerLimit),
                ExternalProcess.RunAsync(ffmpeg, ["-hide_banner", "-loglevel", "error", "-nostdin", "-i", flvB, "-frames:v", "50", "-f", "null", "-"], PlayerLimit));
            Assert.All(decodes, d => Assert.True(d.ExitCode == 0 && !d.Output.Contains("rror", StringComparison.Ordinal), d.Output));
            Assert.All(watchers, w => w.AssertRunning());
            // Five players on B so far, three still watching: A has served exactly one, B's pull.
            Assert.Equal(1, await RtmpViewersAsync(apiA, name));
            Assert.Equal(1, Counter(await apiA.GetStringAsync("/metrics"), "streamhub_players_connected", "rtmp"));

            // Names nobody publishes, asked of B as fast as it answers: each is a 404, and B reads the placements at most
            // once a second for all of them (not once per name).
            await B_reads_the_placements_once_a_second_for_any_number_of_names(nodeB);
        }
        finally
        {
            foreach (var watcher in watchers)
            {
                await watcher.DisposeAsync();
            }
        }

        // The last player gone: B stops its pull after the linger (1 s), and A's player count drops to 0.
        var left = Stopwatch.StartNew();
        await WaitForAsync(async () => await RtmpViewersAsync(apiA, name) == 0, TimeSpan.FromSeconds(15), "node A still has node B's pull as a player");
        output.WriteLine($"pull closed {left.ElapsedMilliseconds} ms after the last player left");
        await nodeB.WaitForOutputAsync($"Stream {name}: the pull from node node-a ended (no player for 1 s", TimeSpan.FromSeconds(5));
        Assert.Equal(0, PlayersOnEdge(await ClusterAsync(apiB), name));

        // Players again (a new pull), an HLS look from B (B has seen the stream live), then the publisher stops: every
        // player on B sees the end, and B proxies A's ended playlist.
        var rtmpdumpFile = Path.Combine(directory, "rtmpdump.flv");
        var flvFile = Path.Combine(directory, "flv.flv");
        var untilEnd = new[]
        {
            ExternalProcess.RunAsync(ExternalProcess.Require("rtmpdump", "rtmpdump"), ["-q", "-r", rtmpB, "--live", "-o", rtmpdumpFile], PlayerLimit),
            ExternalProcess.RunAsync(ffmpeg, ["-hide_banner", "-loglevel", "error", "-nostdin", "-i", flvB, "-c", "copy", "-f", "flv", flvFile], PlayerLimit),
        };
        await WaitForClusterAsync(apiB, c => PlayersOnEdge(c, name) >= 2, TimeSpan.FromSeconds(30), $"relaying {name} to 2 players again");
        Assert.Equal(1, await RtmpViewersAsync(apiA, name));
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(20) };
        var edgePlaylist = $"http://127.0.0.1:{nodeB.HttpPort}/hls/{name}/index.m3u8";
        await WaitForAsync(async () => (await http.GetAsync(edgePlaylist)).StatusCode == HttpStatusCode.OK, TimeSpan.FromSeconds(30), "no live playlist through B");
        await Task.Delay(TimeSpan.FromSeconds(3));

        await publisher.DisposeAsync();
        var stopped = Stopwatch.StartNew();
        var ended = await Task.WhenAll(untilEnd).WaitAsync(TimeSpan.FromSeconds(30));
        output.WriteLine($"players on B ended {stopped.ElapsedMilliseconds} ms after the publisher stopped");
        Assert.All(ended, e => Assert.True(e.ExitCode is 0 or 2, e.Output)); // rtmpdump: 2 is "incomplete" for a live stream that ended
        foreach (var file in new[] { rtmpdumpFile, flvFile })
        {
            var decoded = await ExternalProcess.RunAsync(ffmpeg, ["-hide_banner", "-nostdin", "-i", file, "-map", "0:v", "-f", "null", "-"], PlayerLimit);
            var frames = int.Parse(System.Text.RegularExpressions.Regex.Matches(decoded.Output, @"frame=\s*(\d+)").Last().Groups[1].Value, CultureInfo.InvariantCulture);
            output.WriteLine($"{Path.GetFileName(file)}: {frames} video frames");
            Assert.True(frames >= 25, decoded.Output);
        }
        await nodeB.WaitForOutputAsync($"Stream {name}: the pull from node node-a ended (the origin ended the stream", TimeSpan.FromSeconds(5));

        // Within A's grace for the ended stream, B answers its ended playlist rather than 404.
        string? last = null;
        await WaitForAsync(async () =>
        {
            using var answer = await http.GetAsync(edgePlaylist);
            last = $"{(int)answer.StatusCode}: {await answer.Content.ReadAsStringAsync()}";
            return answer.StatusCode == HttpStatusCode.OK && last.Contains("#EXT-X-ENDLIST", StringComparison.Ordinal);
        }, TimeSpan.FromSeconds(10), "B never answered the ended playlist");
        using (var again = await http.GetAsync(edgePlaylist))
        {
            Assert.True(again.StatusCode == HttpStatusCode.OK, $"after the end, B answered {(int)again.StatusCode} (before: {last})");
        }
        Directory.Delete(directory, recursive: true);
    }

    private async Task B_reads_the_placements_once_a_second_for_any_number_of_names(StreamHubProcess nodeB)
    {
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{nodeB.HttpPort}/"), Timeout = TimeSpan.FromSeconds(20) };
        var before = Counter(await http.GetStringAsync("/metrics"), "streamhub_cluster_placement_reads_total");
        var clock = Stopwatch.StartNew();
        // Four viewers asking one name after another: a read per name (or per concurrent batch) would show as dozens.
        const int Names = 200;
        var statuses = (await Task.WhenAll(Enumerable.Range(0, 4).Select(async viewer =>
        {
            var answers = new List<HttpStatusCode>();
            for (var i = 0; i < Names / 4; i++)
            {
                var random = UniqueNames.Stream("nowhere");
                using var answer = await http.GetAsync(i % 2 == 0 ? $"/hls/{random}/index.m3u8" : $"/flv/{random}.flv");
                answers.Add(answer.StatusCode);
            }
            return answers;
        }))).SelectMany(a => a).ToArray();
        clock.Stop();
        var reads = Counter(await http.GetStringAsync("/metrics"), "streamhub_cluster_placement_reads_total") - before;
        output.WriteLine($"{Names} random names in {clock.ElapsedMilliseconds} ms: {reads} placement reads");
        Assert.All(statuses, s => Assert.Equal(HttpStatusCode.NotFound, s));
        Assert.True(reads <= Math.Ceiling(clock.Elapsed.TotalSeconds) + 1, $"{reads} placement reads for {Names} names in {clock.Elapsed.TotalSeconds:0.0} s");
    }

    /// <summary>RTMP and HTTP-FLV players of <paramref name="name"/> that the answering node relays from another.</summary>
    private static int PlayersOnEdge(JsonElement cluster, string name) => cluster.GetProperty("relayed").EnumerateArray()
        .Where(r => r.GetProperty("name").GetString() == name).Select(r => r.GetProperty("players").GetInt32()).FirstOrDefault();

    private static async Task<int> RtmpViewersAsync(HttpClient api, string name) =>
        (await api.GetFromJsonAsync<JsonElement>($"/api/streams/{name}")).GetProperty("viewers").GetProperty("rtmp").GetInt32();

    /// <summary>The sum of a Prometheus series' samples (those with <paramref name="labelValue"/> among their labels).</summary>
    private static double Counter(string metrics, string series, string? labelValue = null) => metrics.Split('\n')
        .Where(l => (l.StartsWith(series + " ", StringComparison.Ordinal) || l.StartsWith(series + "{", StringComparison.Ordinal))
            && (labelValue is null || l.Contains($"\"{labelValue}\"", StringComparison.Ordinal)))
        .Select(l => double.Parse(l[(l.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture)).Sum();

    private static async Task WaitForAsync(Func<Task<bool>> condition, TimeSpan timeout, string failure)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"{failure} after {timeout.TotalSeconds} s");
            await Task.Delay(100);
        }
    }
}
