namespace StreamHub.Recording;

/// <summary>A recording as read from its file: the init segment's length, the codecs and every whole fragment.
/// Bytes past the last whole fragment (a fragment being written, or cut short by a crash) are left out.</summary>
public sealed record RecordingInfo(string Id, DateTimeOffset Start, long Bytes, long InitLength, string[] Codecs,
    IReadOnlyList<RecordingFragment> Fragments)
{
    public double DurationSeconds => Fragments.Count == 0 ? 0 : Fragments[^1].Start + Fragments[^1].Duration;

    /// <summary>Where the last whole fragment ends: the bytes a player can use.</summary>
    public long PlayableBytes => Fragments.Count == 0 ? InitLength : Fragments[^1].Offset + Fragments[^1].Length;
}
