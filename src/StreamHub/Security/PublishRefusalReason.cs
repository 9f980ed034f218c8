namespace StreamHub.Security;

public enum PublishRefusalReason
{
    /// <summary>The address is outside StreamHub:Access:Publish.</summary>
    AddressDenied,

    /// <summary>The address presented too many bad keys and must wait.</summary>
    TooManyBadKeys,
}
