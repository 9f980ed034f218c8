namespace StreamHub.Security;

/// <summary>Address rules for one action. Entries are IP addresses or CIDR networks (<c>10.0.0.0/8</c>,
/// <c>2001:db8::/32</c>); one entry may also hold several, separated by commas or spaces (handy in environment
/// variables). Deny wins; an empty allow list allows everyone not denied.</summary>
public sealed class AccessListOptions
{
    public string[] Allow { get; set; } = [];
    public string[] Deny { get; set; } = [];
}
