using StreamHub.LoadTest;

namespace StreamHub.Tests.LoadTest;

/// <summary>The fan-out mode's <c>--rounds</c>: passes over the servers that alternate which goes first, and a report
/// that pairs each round's StreamHub and nginx-rtmp figures and takes the median of their ratios.</summary>
public sealed class FanOutRoundsTests
{
    [Fact]
    public void Rounds_reverse_the_servers_every_other_pass_must_be_at_least_one_and_are_for_fan_out_only()
    {
        var options = LoadTestOptions.Parse(["--mode", "fanout", "--servers", "streamhub,nginx", "--rounds", "3"])!;

        Assert.Equal([("streamhub", 1), ("nginx", 1), ("nginx", 2), ("streamhub", 2), ("streamhub", 3), ("nginx", 3)], options.ServerOrder());
        Assert.Equal([("streamhub", 1), ("nginx", 1)], LoadTestOptions.Parse(["--mode", "fanout"])!.ServerOrder());
        Assert.Null(LoadTestOptions.Parse(["--mode", "fanout", "--rounds", "0"]));
        // Only the fan-out mode runs rounds: elsewhere the option is refused rather than ignored.
        Assert.Null(LoadTestOptions.Parse(["--rounds", "2"]));
    }

    [Fact]
    public void Each_round_pairs_its_own_two_runs_and_the_report_gives_the_median_of_the_ratios()
    {
        FanOutResult Run(string server, int round, int players, double perPlayer, FanOutProtocol protocol = FanOutProtocol.Rtmp, string? skipped = null) =>
            new() { Server = server, Protocol = protocol, Players = players, Round = round, CpuPerPlayerPercent = perPlayer, PlayersUp = players, Skipped = skipped };
        List<FanOutResult> results =
        [
            Run("StreamHub", 1, 100, 0.040), Run("nginx-rtmp", 1, 100, 0.080),
            Run("nginx-rtmp", 2, 100, 0.050), Run("StreamHub", 2, 100, 0.030),
            Run("StreamHub", 3, 100, 0.036), Run("StreamHub", 3, 100, 0.900, FanOutProtocol.HttpFlv), Run("nginx-rtmp", 3, 100, 0.040),
            Run("StreamHub", 4, 100, 0.020), Run("nginx-rtmp", 4, 100, double.NaN, skipped: "nginx is not installed"),
        ];

        var rounds = FanOutReport.Rounds(results, r => r.CpuPerPlayerPercent);

        Assert.Equal([1, 2, 3], rounds.Select(r => r.Round));
        Assert.Equal([true, false, true], rounds.Select(r => r.StreamHubFirst));
        Assert.Equal([0.5, 0.6, 0.9], rounds.Select(r => Math.Round(r.Ratio, 6)));
        Assert.Equal(0.6, FanOutReport.Median(rounds.Select(r => r.Ratio)), 6);
        Assert.Equal(0.55, FanOutReport.Median([0.5, 0.6, double.NaN]), 6);
        Assert.True(double.IsNaN(FanOutReport.Median([])));
        Assert.Equal("", FanOutReport.RoundsTable(results.Where(r => r.Round == 1).ToList()));

        var table = FanOutReport.RoundsTable(results);
        Assert.Contains("| 2 | nginx-rtmp | 0.0300 | 0.0500 | 0.60 |", table);
        Assert.Contains("| median of 3 | | 0.0360 | 0.0500 | **0.60** |", table);
    }
}
