using Microsoft.Extensions.Options;

namespace StreamHub.Security;

/// <summary>Every access entry must be an address or a CIDR network; a typo stops start-up naming the entry.</summary>
public sealed class AccessOptionsValidator : IValidateOptions<AccessOptions>
{
    public ValidateOptionsResult Validate(string? name, AccessOptions options)
    {
        var errors = new List<string>();
        AddressRules.Parse(options.Publish, AccessOptions.Section + ":Publish", errors);
        AddressRules.Parse(options.Play, AccessOptions.Section + ":Play", errors);
        AddressRules.Parse(options.Admin, AccessOptions.Section + ":Admin", errors);
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
