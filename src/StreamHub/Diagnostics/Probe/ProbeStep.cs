namespace StreamHub.Diagnostics.Probe;

/// <summary>One stage's outcome: how long it took and what it found.</summary>
public sealed record ProbeStep(ProbeStage Stage, bool Succeeded, TimeSpan Elapsed, string Detail, string? Warning = null);
