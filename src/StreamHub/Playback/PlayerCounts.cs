namespace StreamHub.Playback;

/// <summary>A stream's (or the server's) players now, and what they were sent and dropped.</summary>
/// <param name="Rtmp">RTMP players connected now.</param>
/// <param name="HttpFlv">HTTP-FLV players connected now.</param>
/// <param name="BytesSent">Bytes written to players, those connected and those that left.</param>
/// <param name="FramesDropped">Frames dropped because a player was behind, those connected included.</param>
public readonly record struct PlayerCounts(int Rtmp, int HttpFlv, long BytesSent, long FramesDropped)
{
    public int Total => Rtmp + HttpFlv;

    /// <summary>The RTMP players' part of <see cref="BytesSent"/>.</summary>
    public long RtmpBytesSent { get; init; }

    /// <summary>The HTTP-FLV players' part of <see cref="BytesSent"/>.</summary>
    public long HttpFlvBytesSent { get; init; }

    public static PlayerCounts operator +(PlayerCounts a, PlayerCounts b) =>
        new(a.Rtmp + b.Rtmp, a.HttpFlv + b.HttpFlv, a.BytesSent + b.BytesSent, a.FramesDropped + b.FramesDropped)
        {
            RtmpBytesSent = a.RtmpBytesSent + b.RtmpBytesSent,
            HttpFlvBytesSent = a.HttpFlvBytesSent + b.HttpFlvBytesSent,
        };
}
