using System.Net;
using Microsoft.Extensions.Options;

namespace StreamHub.Hosting;

/// <summary>ACME http-01 challenges (RFC 8555 §8.3): <c>GET /.well-known/acme-challenge/{token}</c> answers with the
/// file of that name that an ACME client (<c>certbot certonly --webroot -w {AcmeWebroot}</c>, acme.sh, lego) wrote
/// into <c>{AcmeWebroot}/.well-known/acme-challenge/</c>, on the HTTP and HTTPS ports, so a certificate can be obtained
/// and renewed while StreamHub holds port 80. A token is base64url (§8.1): anything else is refused with 404 before
/// the file system is touched, so no path can leave the directory.</summary>
public static partial class AcmeChallengeEndpoints
{
    public const string PathPrefix = "/.well-known/acme-challenge";

    /// <summary>Let's Encrypt's tokens are 43 characters; RFC 8555 sets only a floor (128 bits of entropy).</summary>
    public const int MaxTokenLength = 256;

    /// <summary>A key authorization is the token, a dot and a 43-character thumbprint; a bigger file is not one.</summary>
    public const int MaxResponseBytes = 4096;

    public static IEndpointRouteBuilder MapAcmeChallengeEndpoint(this IEndpointRouteBuilder app)
    {
        var https = app.ServiceProvider.GetRequiredService<IOptions<HttpsOptions>>().Value;
        var server = app.ServiceProvider.GetRequiredService<IOptions<ServerOptions>>().Value;
        var logger = app.ServiceProvider.GetRequiredService<ILoggerFactory>().CreateLogger("StreamHub.Hosting.AcmeChallenge");
        var webroot = https.ResolveAcmeWebroot(server);
        var directory = Path.Combine(webroot, ".well-known", "acme-challenge");
        CreateWebroot(webroot, logger);
        LogServing(logger, directory);

        app.MapGet(PathPrefix + "/{token}", async (string token, HttpContext context) =>
        {
            var address = context.Connection.RemoteIpAddress;
            if (!IsToken(token))
            {
                LogTokenRefused(logger, token.Length, address);
                return Results.NotFound();
            }
            var content = await ReadChallengeAsync(Path.Combine(directory, token), context.RequestAborted);
            if (content is null)
            {
                LogNotFound(logger, token, directory, address);
                return Results.NotFound();
            }
            LogServed(logger, token, address);
            context.Response.Headers.CacheControl = "no-store";
            return Results.Bytes(content, "text/plain");
        }).ExcludeFromDescription();
        return app;
    }

    /// <summary>True when <paramref name="token"/> is 1 to <see cref="MaxTokenLength"/> base64url characters
    /// (<c>A-Z a-z 0-9 - _</c>, no padding): no dot, no slash, nothing a path could climb with.</summary>
    public static bool IsToken(ReadOnlySpan<char> token)
    {
        if (token.Length is 0 or > MaxTokenLength)
        {
            return false;
        }
        foreach (var c in token)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>The file's bytes, or null when there is no such regular file or it is larger than a key authorization.</summary>
    private static async Task<byte[]?> ReadChallengeAsync(string path, CancellationToken cancellationToken)
    {
        try
        {
            await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete,
                bufferSize: 1, useAsync: true);
            if (stream.Length > MaxResponseBytes)
            {
                return null;
            }
            var buffer = new byte[stream.Length];
            await stream.ReadExactlyAsync(buffer, cancellationToken);
            return buffer;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static void CreateWebroot(string webroot, ILogger logger)
    {
        try
        {
            Directory.CreateDirectory(webroot);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            LogCannotCreateWebroot(logger, webroot, ex.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "ACME http-01 challenges are served from {Directory} (StreamHub:Https:AcmeWebroot)")]
    private static partial void LogServing(ILogger logger, string directory);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Cannot create the ACME webroot {Webroot} (StreamHub:Https:AcmeWebroot): {Reason}; challenges will be answered once an ACME client creates it")]
    private static partial void LogCannotCreateWebroot(ILogger logger, string webroot, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "ACME challenge {Token} served to {Address}")]
    private static partial void LogServed(ILogger logger, string token, IPAddress? address);

    [LoggerMessage(Level = LogLevel.Information, Message = "ACME challenge {Token} asked for by {Address} is not in {Directory} (is the ACME client's webroot StreamHub:Https:AcmeWebroot?)")]
    private static partial void LogNotFound(ILogger logger, string token, string directory, IPAddress? address);

    [LoggerMessage(Level = LogLevel.Information, Message = "Refused an ACME challenge request from {Address}: the token ({Length} characters) is not 1 to 256 base64url characters")]
    private static partial void LogTokenRefused(ILogger logger, int length, IPAddress? address);
}
