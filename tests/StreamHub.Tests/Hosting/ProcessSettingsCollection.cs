namespace StreamHub.Tests.Hosting;

/// <summary>Tests that change a setting the whole process shares (<see cref="StreamHub.Hosting.SendRing.Enabled"/>):
/// they run alone, so no other test's server sees it changed.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ProcessSettingsCollection
{
    public const string Name = "Process-wide settings";
}
