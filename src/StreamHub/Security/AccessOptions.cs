namespace StreamHub.Security;

/// <summary>Who may publish, play and administer, by address; bound from <c>StreamHub:Access</c>.</summary>
public sealed class AccessOptions
{
    public const string Section = "StreamHub:Access";

    public AccessListOptions Publish { get; set; } = new();
    public AccessListOptions Play { get; set; } = new();
    public AccessListOptions Admin { get; set; } = new();
}
