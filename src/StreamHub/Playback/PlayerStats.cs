namespace StreamHub.Playback;

/// <summary>What a stream's RTMP and HTTP-FLV players were sent and dropped, those connected now and those that left
/// while the stream was live or watched (a stream that is neither starts again from zero).</summary>
/// <param name="BytesSent">Bytes written to the players.</param>
/// <param name="FramesDropped">Whole frames skipped because a player was behind (it then resumes at a keyframe).</param>
public sealed record PlayerStats(long BytesSent, long FramesDropped)
{
    public static PlayerStats From(PlayerCounts counts) => new(counts.BytesSent, counts.FramesDropped);
}
