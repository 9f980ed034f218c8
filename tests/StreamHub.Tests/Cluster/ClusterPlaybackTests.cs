using System.Net;
using StreamHub.Tests.Infrastructure;
using static StreamHub.Tests.Cluster.ClusterTestKit;

namespace StreamHub.Tests.Cluster;

/// <summary>PlaybackMode=Redirect: a viewer that asks node B for the HLS of a stream live on node A is sent to A, and
/// ffmpeg started on B's URL plays the stream; a name live nowhere is still B's own 404.</summary>
[Collection(PostgresCollection.Name)]
public sealed class ClusterPlaybackTests(PostgresServer postgres)
{
    [Fact]
    public async Task Hls_asked_of_another_node_redirects_to_the_node_that_holds_the_stream_and_plays()
    {
        var database = await postgres.CreateDatabaseAsync("playback");
        var redirect = ("StreamHub__Cluster__PlaybackMode", "Redirect");
        await using var nodeA = await StartNodeAsync(database, "node-a", redirect);
        await using var nodeB = await StartNodeAsync(database, "node-b", redirect);
        using var apiA = Api(nodeA);
        using var apiB = Api(nodeB);
        var (name, key) = await CreateStreamAsync(apiA, "played");
        await using var publisher = Publish(nodeA, key);
        await WaitForClusterAsync(apiB, c => HolderOf(c, name) == "node-a", TimeSpan.FromSeconds(15), $"listing {name} on node-a");

        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { Timeout = TimeSpan.FromSeconds(10) };
        using (var answer = await http.GetAsync($"http://127.0.0.1:{nodeB.HttpPort}/hls/{name}/index.m3u8?_HLS_msn=3"))
        {
            Assert.Equal(HttpStatusCode.Found, answer.StatusCode);
            Assert.Equal($"http://127.0.0.1:{nodeA.HttpPort}/hls/{name}/index.m3u8?_HLS_msn=3", answer.Headers.Location?.ToString());
        }
        using (var unknown = await http.GetAsync($"http://127.0.0.1:{nodeB.HttpPort}/hls/nowhere-{Guid.NewGuid().ToString("N")[..12]}/index.m3u8"))
        {
            Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        }

        // The origin's playlist exists once its first segment is cut.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (true)
        {
            using var playlist = await http.GetAsync($"http://127.0.0.1:{nodeA.HttpPort}/hls/{name}/index.m3u8");
            if (playlist.StatusCode == HttpStatusCode.OK)
            {
                break;
            }
            Assert.True(DateTime.UtcNow < deadline, $"node A never had a playlist for {name}: {playlist.StatusCode}");
            await Task.Delay(200);
        }

        // A real player started on node B: ffmpeg follows the redirect and decodes 3 s of the stream from node A.
        var played = await ExternalProcess.RunAsync(ExternalProcess.Require("ffmpeg", "ffmpeg"),
            ["-hide_banner", "-loglevel", "error", "-nostdin", "-i", $"http://127.0.0.1:{nodeB.HttpPort}/hls/{name}/index.m3u8", "-t", "3",
                "-f", "null", "-"], TimeSpan.FromSeconds(60));
        Assert.True(played.ExitCode == 0, played.Output);
        Assert.DoesNotContain("rror", played.Output);
        publisher.AssertRunning();
    }
}
