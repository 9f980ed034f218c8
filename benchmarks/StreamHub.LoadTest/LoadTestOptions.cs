using System.Globalization;

namespace StreamHub.LoadTest;

/// <summary>Command line of the load test.</summary>
public sealed record LoadTestOptions
{
    public const string Usage = """
        dotnet run -c Release --project benchmarks/StreamHub.LoadTest -- [options]
          --mode ingest|fanout    ingest (default): N publishers; fanout: 1 publisher and N players
          --mode llhls-block      (first argument) N streams, C clients on blocking playlist reloads: --streams 10 --clients 1000
          --mode edges            (first argument) PostgreSQL, an origin and two edges, V HLS viewers on the edges: --viewers 1000
          --mode key-lookup       (first argument) the publish path's key lookup on PostgreSQL: --lookups 5000 --lookup-streams 1000
          --publishers 20,200     publisher counts to run (each against every server)
          --seconds 60            measured steady-state window per server and count
          --warmup 30             seconds after the publishers start before the window opens (StreamHub's
                                  segment windows are full after 13 × 2 s)
          --servers streamhub,nginx
                                  streamhub-rec: StreamHub recording every stream (StreamHub:Recording:Enabled),
                                  e.g. --servers streamhub,streamhub-rec for the cost of recording
          --sample 20             streams whose playlists are polled every 100 ms for the delay (0 = all)
          --http-seconds 10       wrk duration per URL (0 = no HTTP load)
          --size 1280x720 --kbps 2500 --clip-seconds 20
          --env NAME=VALUE        extra environment for StreamHub (repeatable), e.g. DOTNET_gcServer=0
          --server-cpus 0         run the server under test on these cores (taskset) and the load generator on the
                                  others, so the load generator's threads do not take the server's cores (Linux)
        fan-out mode:
          --players 100,500       player counts, added in turn to the same server and publisher
          --protocols rtmp,flv    RTMP players (both servers), HTTP-FLV viewers (StreamHub only)
          --seconds 20 --warmup 5 measured window per count, and the settle time before it (the baseline waits
                                  at least 20 s)
          --spinning-players      RTMP players read by one thread that never sleeps (needs --server-cpus): on
                                  loopback a server's send also wakes a sleeping player's thread, a cost players
                                  on other machines never put on it; this leaves that out, for every server alike
          --rounds 1              passes over --servers (fan-out only), the order reversed every other pass
                                  (streamhub,nginx then nginx,streamhub), so each server goes first as often; the
                                  report adds each pass's ratio and their median, the figure to quote where single
                                  runs drift
          --baseline-seconds 20   publisher-only window that CPU and memory per player are measured against
                                  (default: as long as --seconds)
        """;

    public int[] Publishers { get; init; } = [20, 200];
    public int Seconds { get; init; } = 60;
    public int Warmup { get; init; } = 30;
    public string[] Servers { get; init; } = ["streamhub", "nginx"];
    public int Sample { get; init; } = 20;
    public int HttpSeconds { get; init; } = 10;
    public string Size { get; init; } = "1280x720";
    public int Kbps { get; init; } = 2500;
    public int ClipSeconds { get; init; } = 20;
    public Dictionary<string, string> StreamHubEnvironment { get; init; } = [];
    public string Mode { get; init; } = "ingest";
    public int[] Players { get; init; } = [100, 500];
    public FanOutProtocol[] Protocols { get; init; } = [FanOutProtocol.Rtmp, FanOutProtocol.HttpFlv];
    public int? BaselineSeconds { get; init; }

    /// <summary>Passes over <see cref="Servers"/> in fan-out mode (<see cref="ServerOrder"/>).</summary>
    public int Rounds { get; init; } = 1;

    /// <summary>Cores the server under test runs on (the load generator on the others); null: both anywhere.</summary>
    public int[]? ServerCpus { get; init; }

    /// <summary>RTMP players read by a <see cref="PlayerPoller"/> instead of the runtime's sockets.</summary>
    public bool SpinningPlayers { get; init; }
    public bool SecondsGiven { get; init; }
    public bool WarmupGiven { get; init; }

    /// <summary>The fan-out window: --seconds when given, else 20 s.</summary>
    public int FanOutSeconds => SecondsGiven ? Seconds : 20;

    /// <summary>The publisher-only baseline: --baseline-seconds when given, else as long as a window. Every per-player
    /// figure carries the baseline's error N-fold, so the baseline is measured as long as what it is compared with.</summary>
    public int FanOutBaselineSeconds => BaselineSeconds ?? FanOutSeconds;

    /// <summary>The fan-out settle time: --warmup when given, else 5 s.</summary>
    public int FanOutWarmup => WarmupGiven ? Warmup : 5;

    /// <summary>The settle time before the publisher-only baseline: at least 20 s. StreamHub's JIT keeps recompiling
    /// the publisher's path at a higher tier for ~15 s after the first frame; a baseline taken meanwhile reads a few
    /// points of a core too high, and every per-player figure, measured against it, too low.</summary>
    public int FanOutBaselineSettle => Math.Max(FanOutWarmup, 20);

    /// <summary>The servers of each pass in fan-out mode, with the pass they belong to: <see cref="Servers"/> in order
    /// on odd passes and reversed on even ones, so that whatever the hour does to the first or the second run of a
    /// pass falls on each server alike.</summary>
    public IEnumerable<(string Server, int Round)> ServerOrder() =>
        Enumerable.Range(1, Rounds).SelectMany(round => (round % 2 == 1 ? Servers : Servers.Reverse()).Select(server => (server, round)));

    /// <summary>The integer after <paramref name="name"/> in the modes' own command lines, or <paramref name="fallback"/>.</summary>
    public static int IntOption(string[] args, string name, int fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
    }

    public static LoadTestOptions? Parse(string[] args)
    {
        var options = new LoadTestOptions();
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            int Int() => int.Parse(Next(), CultureInfo.InvariantCulture);
            switch (args[i])
            {
                case "--publishers": options = options with { Publishers = [.. Next().Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture))] }; break;
                case "--seconds": options = options with { Seconds = Int(), SecondsGiven = true }; break;
                case "--warmup": options = options with { Warmup = Int(), WarmupGiven = true }; break;
                case "--mode": options = options with { Mode = Next().Trim().ToLowerInvariant() }; break;
                case "--players": options = options with { Players = [.. Next().Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture))] }; break;
                case "--baseline-seconds": options = options with { BaselineSeconds = Int() }; break;
                case "--rounds": options = options with { Rounds = Int() }; break;
                case "--protocols":
                    options = options with
                    {
                        Protocols = [.. Next().Split(',').Select(s => s.Trim().ToLowerInvariant() switch
                        {
                            "rtmp" => FanOutProtocol.Rtmp,
                            "flv" or "http-flv" => FanOutProtocol.HttpFlv,
                            _ => throw new ArgumentException($"--protocols: {s} is neither rtmp nor flv"),
                        })],
                    };
                    break;
                case "--servers": options = options with { Servers = [.. Next().Split(',').Select(s => s.Trim().ToLowerInvariant())] }; break;
                case "--server-cpus": options = options with { ServerCpus = [.. Next().Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture))] }; break;
                case "--spinning-players": options = options with { SpinningPlayers = true }; break;
                case "--sample": options = options with { Sample = Int() }; break;
                case "--http-seconds": options = options with { HttpSeconds = Int() }; break;
                case "--size": options = options with { Size = Next() }; break;
                case "--kbps": options = options with { Kbps = Int() }; break;
                case "--clip-seconds": options = options with { ClipSeconds = Int() }; break;
                case "--env":
                    var pair = Next().Split('=', 2);
                    options.StreamHubEnvironment[pair[0]] = pair.Length > 1 ? pair[1] : "";
                    break;
                default: return null;
            }
        }
        if (options.Servers.Any(s => s is not ("streamhub" or "streamhub-rec" or "nginx")) || options.Publishers.Any(p => p < 1)
            || options.Mode is not ("ingest" or "fanout") || options.Players.Any(p => p < 1) || options.Rounds < 1 || options.Rounds > 1 && options.Mode != "fanout"
            || options.SpinningPlayers && options.ServerCpus is null
            || options.ServerCpus is { } cpus && (cpus.Length == 0 || cpus.Any(c => c < 0 || c >= Math.Min(Environment.ProcessorCount, 64))
                || cpus.Distinct().Count() >= Environment.ProcessorCount))
        {
            return null;
        }
        return options;
    }

    /// <summary>The directory holding StreamHub.sln, from the current directory or the program's.</summary>
    public static string FindRepositoryRoot()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var directory = new DirectoryInfo(start); directory is not null; directory = directory.Parent)
            {
                if (File.Exists(Path.Combine(directory.FullName, "StreamHub.sln")))
                {
                    return directory.FullName;
                }
            }
        }
        throw new InvalidOperationException("StreamHub.sln not found above the current directory");
    }
}
