namespace StreamHub.Security;

public enum PublishRefusalReason
{
    /// <summary>The address is outside StreamHub:Access:Publish.</summary>
    AddressDenied,
}
