namespace StreamHub.Restream;

public enum RestreamScheme
{
    Rtmp,
    Rtmps,
}
