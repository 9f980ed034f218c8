namespace StreamHub.Tests.Playback.HttpFlv;

/// <summary>One FLV tag as a player reads it off the wire.</summary>
/// <param name="Type">8 audio, 9 video, 18 script data.</param>
public sealed record FlvTag(byte Type, long Timestamp, byte[] Body)
{
    /// <summary>A legacy AVC video tag whose frame type is 1 (key) and AVCPacketType is 1 (NAL units): a picture a
    /// decoder can start at.</summary>
    public bool IsVideoKeyframe => Type == 9 && Body.Length >= 2 && Body[0] >> 4 == 1 && Body[1] == 1;

    public bool IsSequenceHeader => Type switch
    {
        9 => Body.Length >= 2 && Body[1] == 0,
        8 => Body.Length >= 2 && Body[0] >> 4 == 10 && Body[1] == 0,
        _ => false,
    };
}
