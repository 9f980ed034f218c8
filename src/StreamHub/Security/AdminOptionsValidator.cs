using Microsoft.Extensions.Options;

namespace StreamHub.Security;

/// <summary>A configured admin key must be one an admin can send: a key of spaces would otherwise silently stand for
/// "generate one", and spaces around it or characters outside printable ASCII cannot arrive intact in an HTTP header.
/// The messages never repeat the key.</summary>
public sealed class AdminOptionsValidator : IValidateOptions<AdminOptions>
{
    public ValidateOptionsResult Validate(string? name, AdminOptions options)
    {
        var key = options.ApiKey;
        if (string.IsNullOrEmpty(key))
        {
            return ValidateOptionsResult.Success;
        }
        const string setting = AdminOptions.Section + ":ApiKey";
        if (string.IsNullOrWhiteSpace(key))
        {
            return ValidateOptionsResult.Fail($"{setting} is only white space; leave it empty to have a key generated, or set a key.");
        }
        if (key.Trim().Length != key.Length)
        {
            return ValidateOptionsResult.Fail($"{setting} starts or ends with white space, which an HTTP header cannot carry; remove it.");
        }
        if (key.Any(c => c is < ' ' or > '~'))
        {
            return ValidateOptionsResult.Fail($"{setting} holds a control character or a character outside ASCII, which an HTTP header cannot carry intact; use letters, digits and punctuation.");
        }
        return ValidateOptionsResult.Success;
    }
}
