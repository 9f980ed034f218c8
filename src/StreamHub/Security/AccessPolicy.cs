using System.Net;
using Microsoft.Extensions.Options;

namespace StreamHub.Security;

/// <summary>The address rules of every action, parsed once at start-up. Reading the options runs
/// <see cref="AccessOptionsValidator"/>, so a bad entry has already stopped start-up with its name before this parses.</summary>
public sealed class AccessPolicy
{
    private readonly AddressRules _publish;
    private readonly AddressRules _play;
    private readonly AddressRules _admin;

    public AccessPolicy(IOptions<AccessOptions> options)
    {
        var access = options.Value;
        var unused = new List<string>();
        _publish = AddressRules.Parse(access.Publish, AccessOptions.Section + ":Publish", unused);
        _play = AddressRules.Parse(access.Play, AccessOptions.Section + ":Play", unused);
        _admin = AddressRules.Parse(access.Admin, AccessOptions.Section + ":Admin", unused);
    }

    public bool IsAllowed(AccessAction action, IPAddress? address) => action switch
    {
        AccessAction.Publish => _publish.IsAllowed(address),
        AccessAction.Play => _play.IsAllowed(address),
        _ => _admin.IsAllowed(address),
    };
}
