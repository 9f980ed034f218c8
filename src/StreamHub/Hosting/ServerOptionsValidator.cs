using System.Net;
using Microsoft.Extensions.Options;

namespace StreamHub.Hosting;

/// <summary>Checks <see cref="ServerOptions"/> beyond what data annotations can say.</summary>
public sealed class ServerOptionsValidator : IValidateOptions<ServerOptions>
{
    public ValidateOptionsResult Validate(string? name, ServerOptions options)
    {
        if (!IPAddress.TryParse(options.BindAddress, out _))
        {
            return ValidateOptionsResult.Fail($"StreamHub:BindAddress: '{options.BindAddress}' is not an IP address (use 0.0.0.0 for all IPv4 addresses, :: for all, or one address such as 127.0.0.1).");
        }
        return ValidateOptionsResult.Success;
    }
}
