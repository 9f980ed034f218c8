using System.Globalization;

namespace StreamHub.LoadTest;

/// <summary>Command line of the load test.</summary>
public sealed record LoadTestOptions
{
    public const string Usage = """
        dotnet run -c Release --project benchmarks/StreamHub.LoadTest -- [options]
          --publishers 20,200     publisher counts to run (each against every server)
          --seconds 60            measured steady-state window per server and count
          --warmup 30             seconds after the publishers start before the window opens (StreamHub's
                                  segment windows are full after 13 × 2 s)
          --servers streamhub,nginx
          --sample 20             streams whose playlists are polled every 100 ms for the delay (0 = all)
          --http-seconds 10       wrk duration per URL (0 = no HTTP load)
          --size 1280x720 --kbps 2500 --clip-seconds 20
          --env NAME=VALUE        extra environment for StreamHub (repeatable), e.g. DOTNET_gcServer=0
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
                case "--seconds": options = options with { Seconds = Int() }; break;
                case "--warmup": options = options with { Warmup = Int() }; break;
                case "--servers": options = options with { Servers = [.. Next().Split(',').Select(s => s.Trim().ToLowerInvariant())] }; break;
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
        if (options.Servers.Any(s => s is not ("streamhub" or "nginx")) || options.Publishers.Any(p => p < 1))
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
