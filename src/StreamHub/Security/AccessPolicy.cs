using System.Net;
using Microsoft.Extensions.Options;

namespace StreamHub.Security;

/// <summary>The address rules of every action, parsed once at start-up.</summary>
public sealed class AccessPolicy
{
    private readonly AddressRules _publish;
    private readonly AddressRules _play;
    private readonly AddressRules _admin;

    public AccessPolicy(IOptions<AccessOptions> options)
    {
        var errors = new List<string>();
        _publish = AddressRules.Parse(options.Value.Publish, AccessOptions.Section + ":Publish", errors);
        _play = AddressRules.Parse(options.Value.Play, AccessOptions.Section + ":Play", errors);
        _admin = AddressRules.Parse(options.Value.Admin, AccessOptions.Section + ":Admin", errors);
        if (errors.Count > 0)
        {
            throw new OptionsValidationException(AccessOptions.Section, typeof(AccessOptions), errors);
        }
    }

    public bool IsAllowed(AccessAction action, IPAddress? address) => action switch
    {
        AccessAction.Publish => _publish.IsAllowed(address),
        AccessAction.Play => _play.IsAllowed(address),
        _ => _admin.IsAllowed(address),
    };
}
