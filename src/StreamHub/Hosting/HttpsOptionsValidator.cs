using Microsoft.Extensions.Options;

namespace StreamHub.Hosting;

/// <summary>Checks the certificate settings at start-up, so a typo in a path stops the process with the setting named
/// rather than failing the first TLS handshake.</summary>
public sealed class HttpsOptionsValidator : IValidateOptions<HttpsOptions>
{
    public ValidateOptionsResult Validate(string? name, HttpsOptions options)
    {
        var hasCert = !string.IsNullOrWhiteSpace(options.CertificatePath);
        var hasKey = !string.IsNullOrWhiteSpace(options.KeyPath);
        if (hasCert != hasKey)
        {
            return ValidateOptionsResult.Fail(hasCert
                ? "StreamHub:Https:KeyPath must be set when StreamHub:Https:CertificatePath is (a PEM certificate and its PEM key, as nginx's ssl_certificate/ssl_certificate_key)."
                : "StreamHub:Https:CertificatePath must be set when StreamHub:Https:KeyPath is.");
        }
        if (hasCert && !File.Exists(options.CertificatePath))
        {
            return ValidateOptionsResult.Fail($"StreamHub:Https:CertificatePath: the file '{Path.GetFullPath(options.CertificatePath!)}' does not exist.");
        }
        if (hasKey && !File.Exists(options.KeyPath))
        {
            return ValidateOptionsResult.Fail($"StreamHub:Https:KeyPath: the file '{Path.GetFullPath(options.KeyPath!)}' does not exist.");
        }
        if (hasCert && !ServerCertificate.TryLoadPem(options.CertificatePath!, options.KeyPath!, out _, out var problem))
        {
            return ValidateOptionsResult.Fail($"StreamHub:Https:CertificatePath/KeyPath: {problem}");
        }
        return ValidateOptionsResult.Success;
    }
}
