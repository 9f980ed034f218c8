using System.Diagnostics;
using System.Text;
using StreamHub.Tests.Hls.Support;
using StreamHub.Tests.Infrastructure;
using Xunit.Abstractions;

namespace StreamHub.Tests.Hls.Players;

/// <summary>Whatever the encoder's keyframe interval, StreamHub's live HLS is what players need: every segment starts
/// decodable (an IDR with its SPS and PPS, RFC 8216 §3), EXT-X-TARGETDURATION is the rounded longest EXTINF (not more,
/// which players would turn into latency), and hls.js, Shaka Player and video.js each play every stream from a cold
/// join in Chromium.</summary>
[Collection(PlayersCollection.Name)]
public sealed class KeyframeIntervalTests(KeyframeIntervalStreams streams, ITestOutputHelper output) : IClassFixture<KeyframeIntervalStreams>
{
    private const int JoinsPerCell = 5;

    /// <summary>Pages playing at once: enough to get through the 60 joins in a few minutes, few enough for two cores.</summary>
    private const int ConcurrentJoins = 8;

    /// <summary>Generous: on two cores shared with other builds, a cold page and its player can take tens of seconds to start.</summary>
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan Watch = TimeSpan.FromSeconds(10);

    /// <summary>Playback may stall for a moment after the start (a player filling its buffer), not for seconds.</summary>
    private const double MinAdvanceSeconds = 8.0;

    [Theory]
    [InlineData(30)]
    [InlineData(60)]
    [InlineData(100)]
    [InlineData(250)]
    public async Task Every_segment_starts_with_an_idr_after_its_sps_and_pps_and_targetduration_is_the_rounded_longest_extinf(int gopFrames)
    {
        await streams.WaitUntilReadyAsync();
        var stream = streams[gopFrames];
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var playlist = await LivePlaylist.TryGetAsync(client, stream.Playlist);
        Assert.True(playlist is not null, $"{stream.Label}: no playlist at {stream.Playlist}");
        output.WriteLine($"{stream.Label}, {stream.Playlist}:\n{playlist.Text}");

        var problems = new List<string>();
        var expectedTarget = LivePlaylist.Rounded(playlist.LongestDuration);
        if (playlist.TargetDuration != expectedTarget)
        {
            problems.Add($"EXT-X-TARGETDURATION is {playlist.TargetDuration} but the longest EXTINF is {playlist.LongestDuration:0.000} s, " +
                $"which rounds to {expectedTarget}");
        }
        var folder = Directory.CreateTempSubdirectory("streamhub-players-segments-").FullName;
        try
        {
            foreach (var segment in playlist.Segments)
            {
                var bytes = await client.GetByteArrayAsync(segment.Uri);
                if (StartProblem(bytes) is { } problem)
                {
                    problems.Add($"segment {segment.Sequence} ({segment.Duration:0.000} s): {problem}");
                }
                // ffprobe, as a player's demuxer would, must see the segment's first video packet as a keyframe.
                var file = Path.Combine(folder, $"{segment.Sequence}.ts");
                await File.WriteAllBytesAsync(file, bytes);
                var flags = await FirstVideoPacketFlagsAsync(file);
                if (!flags.Contains('K'))
                {
                    problems.Add($"segment {segment.Sequence}: ffprobe's first video packet has flags '{flags}', no K (keyframe)");
                }
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
        streams.AssertPublishing();
        Assert.True(problems.Count == 0,
            $"{stream.Label} ({playlist.Segments.Count} segments listed, EXTINF {string.Join(", ", playlist.Segments.Select(s => s.Duration.ToString("0.000")))}):\n" +
            string.Join('\n', problems));
    }

    [Fact]
    public async Task HlsJs_shaka_player_and_videojs_each_play_every_keyframe_interval_from_five_cold_joins()
    {
        await streams.WaitUntilReadyAsync();
        PlayerPage.NodeModules();
        await using var browser = await Browser.LaunchAsync();
        await AssertChromiumPlaysH264AndAacThroughMseAsync(browser.Instance);

        // Each wave of concurrent joins mixes players and streams; each join starts at its own point of a GOP.
        var joins = (from number in Enumerable.Range(1, JoinsPerCell)
                     from stream in streams.Streams
                     from player in Enum.GetValues<HlsPlayer>()
                     select (Player: player, Stream: stream, Join: number)).ToList();
        using var gate = new SemaphoreSlim(ConcurrentJoins);
        var watch = Stopwatch.StartNew();
        var results = await Task.WhenAll(joins.Select(async j =>
        {
            await gate.WaitAsync();
            try
            {
                var (failure, startUp, stalled) = await JoinAsync(browser.Instance, j.Player, j.Stream);
                var retried = false;
                if (failure is not null && stalled)
                {
                    retried = true;
                    var first = failure;
                    (failure, startUp, _) = await JoinAsync(browser.Instance, j.Player, j.Stream);
                    failure = failure is null ? null : $"{failure}\n    (first attempt: {first})";
                }
                return (j.Player, j.Stream, j.Join, Failure: failure, StartUp: startUp, Retried: retried);
            }
            finally
            {
                gate.Release();
            }
        }));
        watch.Stop();
        streams.AssertPublishing();

        var matrix = new StringBuilder($"{results.Length} joins, {ConcurrentJoins} at a time, in {watch.Elapsed.TotalSeconds:0} s. From page load to playing:");
        foreach (var player in Enum.GetValues<HlsPlayer>())
        {
            var startUps = results.Where(r => r.Player == player && r.StartUp is not null).Select(r => r.StartUp!.Value.TotalSeconds).Order().ToArray();
            matrix.Append(startUps.Length == 0 ? $" {player} never;" : $" {player} median {startUps[startUps.Length / 2]:0.0} s, longest {startUps[^1]:0.0} s;");
        }
        matrix.Append($" {results.Count(r => r.Retried)} joins stalled without an error and were retried once; joins played:\n");
        matrix.Append($"{"",-10}").AppendJoin("", streams.Streams.Select(s => $"{s.Label,12}")).AppendLine();
        foreach (var player in Enum.GetValues<HlsPlayer>())
        {
            matrix.Append($"{player,-10}");
            foreach (var stream in streams.Streams)
            {
                var played = results.Count(r => r.Player == player && r.Stream == stream && r.Failure is null);
                matrix.Append($"{$"{played}/{JoinsPerCell}",12}");
            }
            matrix.AppendLine();
        }
        output.WriteLine(matrix.ToString());
        var failures = results.Where(r => r.Failure is not null)
            .Select(r => $"{r.Player}, {r.Stream.Label}, join {r.Join}: {r.Failure}").ToList();
        Assert.True(failures.Count == 0, $"{failures.Count} of {results.Length} joins failed:\n{string.Join('\n', failures)}\n\n{matrix}");
    }

    /// <summary>One cold join: the failure is null when the player started within the start timeout and then played
    /// <see cref="MinAdvanceSeconds"/> of the <see cref="Watch"/> without a failure, else what went wrong; the start-up
    /// time is from opening the page to playing. A join that only stalled (slow to start or to advance, no error
    /// reported) is marked so: on two cores shared with other builds a page can be starved of the CPU for seconds, and
    /// such a join is tried once more; a player error is never retried.</summary>
    private static async Task<(string? Failure, TimeSpan? StartUp, bool Stalled)> JoinAsync(Microsoft.Playwright.IBrowser browser, HlsPlayer player, PublishedStream stream)
    {
        PlayerPage? page = null;
        var opened = Stopwatch.StartNew();
        TimeSpan? startUp = null;
        try
        {
            page = await PlayerPage.OpenAsync(browser, player, stream.Playlist);
            var failures = await page.WaitUntilPlayingAsync(StartTimeout);
            if (failures.Count > 0)
            {
                return (string.Join("; ", failures) + Console(page), null, (await page.FailuresAsync()).Count == 0);
            }
            startUp = opened.Elapsed;
            var (start, startClock) = await page.PositionAsync();
            await Task.Delay(Watch);
            var (end, endClock) = await page.PositionAsync();
            failures = await page.FailuresAsync();
            if (failures.Count > 0)
            {
                return (string.Join("; ", failures) + Console(page), startUp, false);
            }
            var advance = end - start;
            if (advance < MinAdvanceSeconds)
            {
                return ($"currentTime advanced {advance:0.00} s (from {start:0.00} to {end:0.00}) in {(endClock - startClock) / 1000:0.00} s " +
                    $"of wall time, under {MinAdvanceSeconds} s ({await page.StateAsync()}); errors: {string.Join("; ", await page.ErrorsAsync())}" + Console(page), startUp, true);
            }
            return (null, startUp, false);
        }
        catch (Exception e) when (e is Microsoft.Playwright.PlaywrightException or TimeoutException)
        {
            return ($"{e.GetType().Name}: {e.Message}" + (page is null ? "" : Console(page)), startUp, e is TimeoutException);
        }
        finally
        {
            if (page is not null)
            {
                await page.DisposeAsync();
            }
        }
    }

    /// <summary>Every player here feeds Media Source Extensions with H.264 and AAC (transmuxed to fMP4): Debian's
    /// Chromium must support both, or every join would fail for a reason that is not StreamHub's.</summary>
    private static async Task AssertChromiumPlaysH264AndAacThroughMseAsync(Microsoft.Playwright.IBrowser browser)
    {
        var page = await browser.NewPageAsync();
        try
        {
            foreach (var type in new[] { "video/mp4; codecs=\"avc1.64001f\"", "video/mp4; codecs=\"avc1.42c01e\"", "audio/mp4; codecs=\"mp4a.40.2\"" })
            {
                Assert.True(await page.EvaluateAsync<bool>("t => window.MediaSource !== undefined && MediaSource.isTypeSupported(t)", type),
                    $"{Browser.ChromiumPath} cannot play {type} through Media Source Extensions (a Chromium built without proprietary codecs?)");
            }
        }
        finally
        {
            await page.CloseAsync();
        }
    }

    private static string Console(PlayerPage page) => page.Console.Length == 0 ? "" : $"\n    console: {page.Console.Replace("\n", "\n    console: ")}";

    /// <summary>What is wrong with how a segment starts, or null: its first video PES must be an access unit whose
    /// first slice is an IDR slice (NAL type 5) preceded by an SPS (7) and a PPS (8), so a decoder can start there.</summary>
    private static string? StartProblem(byte[] segment)
    {
        var video = TsPesReader.Read(segment).FirstOrDefault(u => u.StreamType == PesUnit.H264);
        if (video is null)
        {
            return "no H.264 PES";
        }
        var types = TsPesReader.NalUnitTypes(video.Payload);
        var firstSlice = types.FindIndex(t => t is >= 1 and <= 5);
        var before = firstSlice < 0 ? types : types[..firstSlice];
        if (firstSlice < 0 || types[firstSlice] != 5 || !before.Contains(7) || !before.Contains(8))
        {
            return $"the first video access unit has NAL units [{string.Join(", ", types)}]: " +
                (firstSlice < 0 ? "no slice" : types[firstSlice] == 5 ? "an IDR slice" : "a non-IDR slice (the segment starts mid-GOP)") +
                (before.Contains(7) && before.Contains(8) ? "" : ", without SPS and PPS before it");
        }
        return null;
    }

    private static async Task<string> FirstVideoPacketFlagsAsync(string file)
    {
        var result = await MediaTools.RunAsync(ExternalProcess.Require("ffprobe", "ffmpeg"),
            ["-v", "quiet", "-select_streams", "v", "-show_entries", "packet=flags", "-of", "csv=p=0", file]);
        Assert.True(result.ExitCode == 0, $"ffprobe failed on {file}: {result.StandardError}");
        return result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault()?.Trim().TrimEnd(',') ?? "(no video packet)";
    }
}
