namespace StreamHub.StreamKeys;

public enum PublishVerdict
{
    Allowed,
    UnknownKey,
    Expired,
}
