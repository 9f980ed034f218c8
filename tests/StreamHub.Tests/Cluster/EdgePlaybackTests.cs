using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using StreamHub.Tests.Infrastructure;
using Xunit.Abstractions;
using static StreamHub.Tests.Cluster.ClusterTestKit;

namespace StreamHub.Tests.Cluster;

/// <summary>PlaybackMode=Proxy (the cluster's default): node B answers the HLS of a stream live on node A itself,
/// fetching from A through its edge cache. ffmpeg plays through B (hls.js in <see cref="EdgeBrowserPlaybackTests"/>); twenty concurrent viewers of one segment
/// on B cost A one request (counted in A's own request log); with A killed, B answers 502/504 at once and says why.</summary>
[Collection(PostgresCollection.Name)]
public sealed class EdgePlaybackTests(PostgresServer postgres, ITestOutputHelper output)
{
    private const int Viewers = 20;

    // A's request log (Debug) names every path it answered: that is what the edge cost the origin.
    private static readonly (string, string) OriginRequestLog = ("StreamHub__Logging__MinimumLevel", "Debug");

    // Placements outlive a killed node by the expiry: long here, so the edge still sends viewers to the dead origin.
    private static readonly (string, string) LongExpiry = ("StreamHub__Cluster__HeartbeatExpirySeconds", "60");

    [Fact]
    public async Task Edge_plays_the_origins_stream_fetches_each_segment_once_for_twenty_viewers_and_answers_502_when_the_origin_dies()
    {
        var database = await postgres.CreateDatabaseAsync("edge");
        await using var nodeA = await StartNodeAsync(database, "node-a", OriginRequestLog, LongExpiry);
        await using var nodeB = await StartNodeAsync(database, "node-b", LongExpiry);
        using var apiA = Api(nodeA);
        using var apiB = Api(nodeB);
        var (name, key) = await CreateStreamAsync(apiA, "edge");
        await using var publisher = Publish(nodeA, key);
        await WaitForClusterAsync(apiB, c => HolderOf(c, name) == "node-a", TimeSpan.FromSeconds(15), $"listing {name} on node-a");
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(20) };
        var edgePlaylist = $"http://127.0.0.1:{nodeB.HttpPort}/hls/{name}/index.m3u8";
        var first = await PlaylistWithSegmentsAsync(http, edgePlaylist, 2, TimeSpan.FromSeconds(30));

        // A real player on node B: no redirect (B answers 200 itself) and ffmpeg decodes 4 s cleanly.
        using (var direct = await http.GetAsync(edgePlaylist))
        {
            Assert.Equal(HttpStatusCode.OK, direct.StatusCode);
            Assert.Equal("application/vnd.apple.mpegurl", direct.Content.Headers.ContentType?.MediaType);
            Assert.Equal("no-cache", direct.Headers.CacheControl?.ToString());
        }
        var played = await ExternalProcess.RunAsync(ExternalProcess.Require("ffmpeg", "ffmpeg"),
            ["-hide_banner", "-loglevel", "error", "-nostdin", "-i", edgePlaylist, "-t", "4", "-f", "null", "-"], TimeSpan.FromSeconds(60));
        Assert.True(played.ExitCode == 0, played.Output);
        Assert.DoesNotContain("rror", played.Output);

        // A segment no one has asked for yet, asked of B by twenty viewers at once.
        var known = Segments(first).Concat(Segments(await http.GetStringAsync(edgePlaylist))).ToHashSet();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        string fresh;
        while ((fresh = Segments(await http.GetStringAsync(edgePlaylist)).FirstOrDefault(s => !known.Contains(s)) ?? "") == "")
        {
            Assert.True(DateTime.UtcNow < deadline, $"no new segment in {edgePlaylist} within 30 s");
            await Task.Delay(100);
        }
        // Lined up without blocking pool threads (the in-process servers of other tests share the pool).
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var viewers = Enumerable.Range(0, Viewers).Select(async _ =>
        {
            using var viewer = new HttpClient { Timeout = TimeSpan.FromSeconds(20) };
            await start.Task;
            using var answer = await viewer.GetAsync($"http://127.0.0.1:{nodeB.HttpPort}/hls/{name}/{fresh}");
            return (answer.StatusCode, CacheControl: answer.Headers.CacheControl?.ToString(), Type: answer.Content.Headers.ContentType?.MediaType,
                Hash: Convert.ToHexString(SHA256.HashData(await answer.Content.ReadAsByteArrayAsync())));
        }).ToArray();
        start.SetResult();
        var answers = await Task.WhenAll(viewers);
        Assert.All(answers, a => Assert.Equal(HttpStatusCode.OK, a.StatusCode));
        Assert.All(answers, a => Assert.Equal("public, max-age=86400, immutable", a.CacheControl));
        Assert.All(answers, a => Assert.Equal("video/mp4", a.Type));
        Assert.Single(answers.Select(a => a.Hash).Distinct());
        var atOrigin = await OriginRequestsAsync(nodeA, $"/hls/{name}/{fresh}");
        var metrics = await http.GetStringAsync($"http://127.0.0.1:{nodeB.HttpPort}/metrics");
        output.WriteLine($"{Viewers} viewers of {fresh} through node B: node A answered it {atOrigin} time(s)");
        output.WriteLine(string.Join('\n', metrics.Split('\n').Where(l => l.StartsWith("streamhub_edge_", StringComparison.Ordinal))));
        Assert.Equal(1, atOrigin);
        Assert.True(Counter(metrics, "streamhub_edge_cache_hits_total") >= Viewers - 1, metrics);
        Assert.True(Counter(metrics, "streamhub_edge_origin_fetches_total{result=\"answered\"}") >= 2, metrics);
        Assert.True(Counter(metrics, "streamhub_edge_cache_bytes") > 0, metrics);

        // The origin killed: B answers at once (connection refused) with 502 or 504, and logs why.
        await nodeA.KillAsync();
        var clock = Stopwatch.StartNew();
        using var failed = await http.GetAsync(edgePlaylist);
        clock.Stop();
        output.WriteLine($"origin killed: node B answered {(int)failed.StatusCode} in {clock.ElapsedMilliseconds} ms");
        Assert.True(failed.StatusCode is HttpStatusCode.BadGateway or HttpStatusCode.GatewayTimeout, $"{failed.StatusCode}: {await failed.Content.ReadAsStringAsync()}");
        Assert.Equal("application/problem+json", failed.Content.Headers.ContentType?.MediaType);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"node B took {clock.Elapsed} to give up on the dead origin");
        await nodeB.WaitForOutputAsync($"Stream {name}: the origin node could not be asked for", TimeSpan.FromSeconds(5));
    }

    /// <summary>How many times node A's request log says it answered <paramref name="path"/> (no query), once the
    /// log has caught up (the line is written after the answer).</summary>
    private static async Task<int> OriginRequestsAsync(StreamHubProcess node, string path)
    {
        var line = new Regex(Regex.Escape(path) + "(?![0-9A-Za-z?._])");
        await Task.Delay(500);
        return line.Matches(node.Output).Count;
    }

    private static double Counter(string metrics, string series) => metrics.Split('\n')
        .Where(l => l.StartsWith(series + " ", StringComparison.Ordinal) || l.StartsWith(series + "{", StringComparison.Ordinal) && !series.Contains('{'))
        .Select(l => double.Parse(l[(l.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture)).Sum();

}
