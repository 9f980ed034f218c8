namespace StreamHub.Tests.Rtmp.Session;

/// <summary>Tests that count every byte the process allocates: they run alone, after the parallel ones.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ProcessAllocationCollection
{
    public const string Name = "Process-wide allocation counts";
}
