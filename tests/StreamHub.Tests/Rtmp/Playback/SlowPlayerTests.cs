using System.Diagnostics;
using System.Text.RegularExpressions;
using StreamHub.Rtmp.Commands;
using StreamHub.Tests.Infrastructure;
using Xunit.Abstractions;

namespace StreamHub.Tests.Rtmp.Playback;

/// <summary>A player that stops reading (a raw RTMP client with a small socket receive buffer that plays, then never
/// reads again) is dropped to keyframes and then disconnected within the configured limits, while the publisher, the
/// HLS output and a second player carry on, and the server's memory stays bounded.</summary>
public sealed class SlowPlayerTests(SlowPlayerFixture fixture, ITestOutputHelper output) : IClassFixture<SlowPlayerFixture>
{
    [Fact]
    public async Task A_player_that_stops_reading_is_removed_while_the_publisher_hls_and_another_player_carry_on()
    {
        using var hlsStop = new CancellationTokenSource();
        var hls = PollHlsAsync(hlsStop.Token);
        var second = FfmpegPlayTests.PlayAsync(fixture.PlayUrl(), seconds: 8);
        await Task.Delay(500);
        using var api = fixture.Api();
        var baseline = await MemoryBesidesHlsAsync(api);

        await using var stuck = await RtmpPlayClient.ConnectAsync(fixture.Server.RtmpPort, receiveBuffer: 4096);
        Assert.Equal(RtmpStatusCodes.PlayReset, await stuck.PlayAsync(fixture.Name));
        var clock = Stopwatch.StartNew();
        // From here on it reads nothing. It is removed once its socket and output buffers are full (well under a
        // second at this bitrate), its queue holds QueueSeconds of media, and it has then dropped for BehindSeconds;
        // 1 s more for the keyframe it might resume at, 3 s for a loaded machine.
        var limit = TimeSpan.FromSeconds(1 + SlowPlayerFixture.QueueSeconds + SlowPlayerFixture.BehindSeconds + 1 + 3);
        var leaveMarker = $"from 127.0.0.1:{stuck.LocalPort} after";
        long peak = baseline;
        string? left = null;
        while (left is null && clock.Elapsed < limit + TimeSpan.FromSeconds(5))
        {
            peak = Math.Max(peak, await MemoryBesidesHlsAsync(api));
            left = fixture.Server.Output.Split('\n').FirstOrDefault(l => l.Contains(leaveMarker, StringComparison.Ordinal));
            await Task.Delay(100);
        }
        var removedAfter = clock.Elapsed;
        Assert.True(left is not null, $"the player that stopped reading was never disconnected:\n{fixture.Server.Output}");
        output.WriteLine($"removed after {removedAfter.TotalSeconds:F1} s: {left}");
        Assert.True(removedAfter < limit, $"removed after {removedAfter}, limit {limit}");
        Assert.Contains("it fell behind for too long and was removed", left);
        var dropped = long.Parse(Regex.Match(left, @"(\d+) frames dropped").Groups[1].Value);
        Assert.True(dropped > 0, left);
        await fixture.WaitForLogLineAsync("removed", alsoContaining: "behind for more than 1 s");
        Assert.True(await stuck.Client.WaitForCloseAsync(TimeSpan.FromSeconds(5)), "the stuck player's connection is still open");

        var played = await second;
        fixture.Publisher.AssertRunning();
        Assert.True(string.IsNullOrWhiteSpace(fixture.Publisher.Output), $"the publisher reported errors:\n{fixture.Publisher.Output}");
        Assert.True(played.ExitCode == 0, $"the second player exited {played.ExitCode}:\n{played.StandardError}");
        FfmpegPlayTests.AssertNoErrors(played, string.Join('\n', fixture.Server.Output.Split('\n').Where(l => l.Contains("Player", StringComparison.Ordinal))));
        Assert.InRange(FfmpegPlayTests.DecodedFrames(played), 220, 245);

        hlsStop.CancelAfter(TimeSpan.FromSeconds(1));
        var sequences = await hls;
        // Segments kept coming (1 s segments over the whole test), and no poll skipped one.
        Assert.True(sequences[^1].Last - sequences[0].Last >= 5, $"HLS went from segment {sequences[0].Last} to {sequences[^1].Last}");

        // Memory: the stuck player holds at most its queue (QueueBytes of payload in pooled arrays, which the pool
        // rounds up to a power of two: up to twice that; the frames are shared with every other consumer by
        // reference), the play loop's batch (64 KiB) and its connection's output buffer (64 KiB). The server's RSS is
        // measured less the HLS segment pool (the playlist's window fills during the test: the packager's growth, by
        // design). RSS also moves with the runtime's own work: the same window without the stuck player grew by
        // 12 MiB on a shared 2-core machine (GC budget of a process serving 5 Mbit/s to HLS and a player), with it by
        // 16-21 MiB; 32 MiB is allowed for the runtime. This bounds a gross leak (a queue that ignored its limits for a
        // longer run, frames copied per player); the leave line above (removed, frames dropped) proves the limits acted.
        var bound = 2 * SlowPlayerFixture.QueueBytes + 128 * 1024 + 32 * 1024 * 1024;
        output.WriteLine($"RSS less HLS segments {baseline / 1048576.0:F1} MiB → peak {peak / 1048576.0:F1} MiB");
        Assert.True(peak - baseline < bound, $"RSS less HLS segments grew by {(peak - baseline) / 1048576.0:F1} MiB (bound {bound / 1048576.0:F1} MiB)");
    }

    /// <summary>The server's resident set less the memory its HLS segment pool holds (in use and free).</summary>
    private async Task<long> MemoryBesidesHlsAsync(HttpClient api)
    {
        var resident = fixture.Server.ResidentBytes();
        using var stats = System.Text.Json.JsonDocument.Parse(await api.GetStringAsync("/api/stats"));
        var segments = stats.RootElement.GetProperty("segmentMemory");
        return resident - segments.GetProperty("bytesInUse").GetInt64() - segments.GetProperty("bytesFree").GetInt64();
    }

    /// <summary>Polls the playlist until cancelled; fails on a gap: a poll whose media sequence is past the end of the
    /// previous poll's window (a segment that no poll ever saw). Returns each poll's (first, last) media sequence.</summary>
    private async Task<List<(long First, long Last)>> PollHlsAsync(CancellationToken stop)
    {
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{fixture.Server.HttpPort}/"), Timeout = TimeSpan.FromSeconds(5) };
        List<(long First, long Last)> polls = [];
        while (!stop.IsCancellationRequested)
        {
            using var response = await client.GetAsync($"/hls/{fixture.Name}/index.m3u8", CancellationToken.None);
            if (response.StatusCode == System.Net.HttpStatusCode.NotFound && polls.Count == 0)
            {
                await Task.Delay(100, CancellationToken.None); // the first segment is not cut yet
                continue;
            }
            response.EnsureSuccessStatusCode();
            var playlist = await response.Content.ReadAsStringAsync(CancellationToken.None);
            var first = long.Parse(playlist.Split('\n').First(l => l.StartsWith("#EXT-X-MEDIA-SEQUENCE:", StringComparison.Ordinal))["#EXT-X-MEDIA-SEQUENCE:".Length..]);
            var last = first + playlist.Split('\n').Count(l => l.StartsWith("#EXTINF:", StringComparison.Ordinal)) - 1;
            if (polls.Count > 0)
            {
                var previous = polls[^1];
                Assert.True(first >= previous.First && first <= previous.Last + 1, $"HLS media sequence went from {previous} to {first}..{last}");
                Assert.True(last >= previous.Last, $"HLS window went back from {previous.Last} to {last}");
            }
            polls.Add((first, last));
            try
            {
                await Task.Delay(250, stop);
            }
            catch (OperationCanceledException)
            {
            }
        }
        return polls;
    }
}
