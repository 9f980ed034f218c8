namespace StreamHub.Diagnostics.Probe;

/// <summary>The whole probe: each stage reached, and on failure which one, why, and what to check.</summary>
public sealed record ProbeReport(ProbeTarget Target, IReadOnlyList<ProbeStep> Steps, ProbeFailure Failure, string? Hint)
{
    public bool Succeeded => Failure == ProbeFailure.None;
}
