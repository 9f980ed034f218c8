namespace StreamHub.LoadTest;

/// <summary>What one server did with one publisher and N players of one protocol.</summary>
public sealed record FanOutResult
{
    public required string Server { get; init; }
    public required FanOutProtocol Protocol { get; init; }
    public required int Players { get; init; }
    /// <summary>Which pass over the servers this was (<c>--rounds</c>), from 1.</summary>
    public int Round { get; init; } = 1;
    /// <summary>Why the run did not happen (the server cannot, or the play path is missing).</summary>
    public string? Skipped { get; init; }
    public int PlayersUp { get; init; }
    public int ConnectFailures { get; init; }
    public string? FirstConnectFailure { get; init; }
    public double WindowSeconds { get; init; }
    /// <summary>Server CPU with the publisher alone (% of one core).</summary>
    public double BaselineCpuPercent { get; init; }
    public double ServerCpuPercent { get; init; }
    /// <summary>Of <see cref="ServerCpuPercent"/>, the server's system time: its sends, and on loopback the delivery
    /// to the players' sockets, which every server pays per send.</summary>
    public double ServerKernelCpuPercent { get; init; }
    /// <summary>The host's steal time over the window (% of one core, both CPUs together): a run with much of it is
    /// noisy, whichever server it measured.</summary>
    public double HostStealPercent { get; init; }
    /// <summary>Of <see cref="ServerCpuPercent"/>, the server's JIT compiling (% of one core; NaN for a server without
    /// one): warm-up, not a cost per player, that a window can catch when code reaches its next tier (a method called
    /// every 2 s does at 60 s and 120 s). A window with much of it reads high.</summary>
    public double JitCpuPercent { get; init; } = double.NaN;
    /// <summary>The same over the publisher-only baseline window, which it raises (and every per-player figure lowers).</summary>
    public double BaselineJitCpuPercent { get; init; } = double.NaN;
    public double CpuPerPlayerPercent { get; init; }
    /// <summary><see cref="CpuPerPlayerPercent"/> with the JIT compiling taken out of both the window and the baseline:
    /// the steady-state cost, which a window that catches a burst of tier-ups (or a baseline that does) misreads. The
    /// same as <see cref="CpuPerPlayerPercent"/> for a server without a JIT.</summary>
    public double CpuPerPlayerLessJitPercent { get; init; }
    public double BaselineRssMb { get; init; }
    public double RssMb { get; init; }
    public double MemoryPerPlayerKb { get; init; }
    /// <summary>(CPU − the previous count's CPU) / (players − the previous count's players), in the same server run;
    /// NaN for the first count. Neither the baseline nor what the first players cost once weighs on it.</summary>
    public double MarginalCpuPerPlayerPercent { get; init; } = double.NaN;
    /// <summary>(RSS − the previous count's RSS) / (players − the previous count's players), as
    /// <see cref="MarginalCpuPerPlayerPercent"/>.</summary>
    public double MarginalMemoryPerPlayerKb { get; init; } = double.NaN;
    /// <summary>From the publisher's send to the kernel's receive timestamp on the player's socket (RTMP players; NaN
    /// for HTTP-FLV): the server's arrival-to-send time.</summary>
    public double LatencyMedianMs { get; init; }
    public double LatencyP99Ms { get; init; }
    public double LatencyMaxBucketMs { get; init; }
    public long LatencySamples { get; init; }
    /// <summary>From the publisher's send to the end of the player's receive: adds the load generator's scheduling.</summary>
    public double ReadLatencyMedianMs { get; init; }
    public double ReadLatencyP99Ms { get; init; }
    public long UnmatchedFrames { get; init; }
    /// <summary>Video frames the players received in the window as % of (players × frames sent in the window).</summary>
    public double DeliveredPercent { get; init; }
    public long FramesSentInWindow { get; init; }
    public int Disconnected { get; init; }
    public string? FirstDisconnect { get; init; }
    /// <summary>Players still connected whose last video frame was more than 1 s behind the publisher's at the end.</summary>
    public int Behind { get; init; }
    public double MbitPerSecondOut { get; init; }
    /// <summary>Receives completed by all players per second.</summary>
    public double ReceivesPerSecond { get; init; }
    public double LoadGeneratorCpuPercent { get; init; }
}
