namespace StreamHub.Playback;

/// <summary>A stream's (or the server's) players now, and what they were sent and dropped.</summary>
/// <param name="Rtmp">RTMP players connected now.</param>
/// <param name="HttpFlv">HTTP-FLV players connected now.</param>
/// <param name="BytesSent">Bytes written to players (joined since the process started, left ones included).</param>
/// <param name="FramesDropped">Frames dropped because a player was behind.</param>
public readonly record struct PlayerCounts(int Rtmp, int HttpFlv, long BytesSent, long FramesDropped)
{
    public int Total => Rtmp + HttpFlv;
}
