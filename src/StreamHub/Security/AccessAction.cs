namespace StreamHub.Security;

/// <summary>What a client is trying to do, each with its own address rules.</summary>
public enum AccessAction
{
    Publish,
    Play,
    Admin,
}
