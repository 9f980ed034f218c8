namespace StreamHub.Restream;

/// <summary>What a change to a stream's targets came to.</summary>
public enum RestreamTargetOutcome
{
    Done,
    NoSuchStream,
    NoSuchTarget,
    NameTaken,
}
