namespace StreamHub.Security;

/// <summary>Why a publish was refused before its key was looked up.</summary>
public readonly record struct PublishRefusal(PublishRefusalReason Reason);
