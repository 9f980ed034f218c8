namespace StreamHub.Tests.Hls.Players;

/// <summary>The heavy real-client tests (live publishers, Chromium with many players, nginx-rtmp): one at a time and
/// not beside other collections, so what they measure (playback advancing in real time, latency) is not starved of
/// the CPU by each other.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class PlayersCollection
{
    public const string Name = "HLS players";
}
