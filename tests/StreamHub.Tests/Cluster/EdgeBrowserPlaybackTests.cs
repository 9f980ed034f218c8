using System.Globalization;
using System.Text.RegularExpressions;
using StreamHub.Tests.Hls.Players;
using StreamHub.Tests.Infrastructure;
using Xunit.Abstractions;
using static StreamHub.Tests.Cluster.ClusterTestKit;

namespace StreamHub.Tests.Cluster;

/// <summary>hls.js in Chromium plays the low-latency stream of node A through node B (PlaybackMode=Proxy) in real time,
/// its blocking reloads answered by B. With the heavy player tests, one at a time and beside nothing else: a browser
/// decoding beside two nodes, an encoder and the rest of the suite on two cores falls behind through no fault of the
/// nodes. Its own PostgreSQL server, as the shared one belongs to a collection that runs in parallel.</summary>
[Collection(PlayersCollection.Name)]
public sealed partial class EdgeBrowserPlaybackTests(PostgresServer postgres, ITestOutputHelper output) : IClassFixture<PostgresServer>
{
    [Fact]
    public async Task HlsJs_plays_the_low_latency_stream_through_another_node_for_10_s()
    {
        try
        {
            await PlayThroughAnotherNodeAsync(lastAttempt: false);
        }
        catch (StarvedPlayerException starved)
        {
            // Seconds of media were buffered ahead of the stalled player: the nodes had delivered, and the page's
            // decoding was starved of CPU (a browser beside two nodes, an encoder and the rest of the suite on two
            // cores). Once more from the start; a second stall fails.
            output.WriteLine($"first attempt: {starved.Message}; running it again");
            await PlayThroughAnotherNodeAsync(lastAttempt: true);
        }
    }

    private sealed class StarvedPlayerException(string message) : Exception(message);

    private async Task PlayThroughAnotherNodeAsync(bool lastAttempt)
    {
        PlayerPage.NodeModules();
        var database = await postgres.CreateDatabaseAsync("edgejs");
        await using var nodeA = await StartNodeAsync(database, "node-a");
        await using var nodeB = await StartNodeAsync(database, "node-b");
        using var apiA = Api(nodeA);
        using var apiB = Api(nodeB);
        var (name, key) = await CreateStreamAsync(apiA, "edgejs");
        await using var publisher = Publish(nodeA, key);
        await WaitForClusterAsync(apiB, c => HolderOf(c, name) == "node-a", TimeSpan.FromSeconds(15), $"listing {name} on node-a");
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(20) };
        var edgePlaylist = $"http://127.0.0.1:{nodeB.HttpPort}/hls/{name}/index.m3u8";
        await PlaylistWithSegmentsAsync(http, edgePlaylist, 2, TimeSpan.FromSeconds(30));

        await using var browser = await Browser.LaunchAsync();
        await using var page = await PlayerPage.OpenAsync(browser.Instance, HlsPlayer.HlsJs, new Uri(edgePlaylist), catchUp: true);
        var failures = await page.WaitUntilPlayingAsync(TimeSpan.FromSeconds(30));
        Assert.True(failures.Count == 0, $"{string.Join("; ", failures)}\n{page.Console}");
        var begin = await page.PositionAsync();
        await Task.Delay(TimeSpan.FromSeconds(10));
        publisher.AssertRunning();
        var end = await page.PositionAsync();
        var advanced = end.Position - begin.Position;
        var wall = (end.Clock - begin.Clock) / 1000;
        var requests = await page.HlsRequestsAsync();
        var state = await page.StateAsync();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"hls.js through node B: advanced {advanced:0.00} s in {wall:0.00} s; {requests.Count(r => PartPath().IsMatch(r))} parts, " +
            $"{requests.Count(r => r.Contains("_HLS_msn=", StringComparison.Ordinal))} blocking reloads; {state}"));
        failures = await page.FailuresAsync();
        Assert.True(failures.Count == 0, $"{string.Join("; ", failures)}\n{page.Console}");
        if (advanced < wall - 1.5 && !lastAttempt && await page.BehindBufferedAsync() >= 1.0)
        {
            throw new StarvedPlayerException($"hls.js advanced {advanced:0.00} s in {wall:0.00} s; {state}");
        }
        Assert.True(advanced >= wall - 1.5, $"hls.js fell behind: advanced {advanced:0.00} s in {wall:0.00} s\n{page.Console}");
        Assert.True(requests.Count(r => r.Contains("_HLS_msn=", StringComparison.Ordinal)) >= 10, $"blocking reloads: {string.Join(", ", requests.TakeLast(10))}");
        Assert.All(requests, r => Assert.StartsWith($"http://127.0.0.1:{nodeB.HttpPort}/", r));
    }

    [GeneratedRegex(@"/p\d+\.m4s")]
    private static partial Regex PartPath();
}
