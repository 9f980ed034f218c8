using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;
using StreamHub.Hosting;
using StreamHub.Playback.HttpFlv;

namespace StreamHub.Security;

public static class SecurityExtensions
{
    public const string AdminRateLimitPolicy = "admin";

    public static WebApplicationBuilder AddStreamHubSecurity(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<AdminOptions>().BindConfiguration(AdminOptions.Section).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<AdminOptions>, AdminOptionsValidator>();
        builder.Services.AddOptions<AccessOptions>().BindConfiguration(AccessOptions.Section).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<AccessOptions>, AccessOptionsValidator>();
        builder.Services.AddOptions<LimitsOptions>().BindConfiguration(LimitsOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<AdminApiKey>();
        builder.Services.AddSingleton<AdminApiKeyFilter>();
        builder.Services.AddSingleton<AccessPolicy>();
        builder.Services.AddSingleton<ConnectionGate>();
        builder.Services.AddSingleton<BadKeyThrottle>();

        builder.Services.AddRateLimiter(limiter =>
        {
            limiter.AddPolicy(AdminRateLimitPolicy, context =>
            {
                var perMinute = context.RequestServices.GetRequiredService<IOptions<LimitsOptions>>().Value.AdminRequestsPerMinute;
                // Per address group, like the connection limits: an IPv6 host would otherwise get a fresh budget per address of its /64.
                var address = context.Connection.RemoteIpAddress is { } remote ? AddressGroup.Of(remote).ToString() : "unknown";
                return RateLimitPartition.GetFixedWindowLimiter(address, _ => new FixedWindowRateLimiterOptions
                {
                    PermitLimit = perMinute,
                    Window = TimeSpan.FromMinutes(1),
                    QueueLimit = 0,
                });
            });
            limiter.OnRejected = async (context, cancellationToken) =>
            {
                var http = context.HttpContext;
                if (context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter))
                {
                    http.Response.Headers.RetryAfter = ((int)Math.Ceiling(retryAfter.TotalSeconds)).ToString();
                }
                http.Response.StatusCode = StatusCodes.Status429TooManyRequests;
                await http.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
                {
                    HttpContext = http,
                    ProblemDetails =
                    {
                        Status = StatusCodes.Status429TooManyRequests,
                        Title = "Too many admin API requests",
                        Detail = "This address has used its admin API requests for this minute (StreamHub:Limits:AdminRequestsPerMinute). Try again after Retry-After seconds.",
                    },
                });
            };
        });
        return builder;
    }

    /// <summary>Security headers on every response, HSTS on HTTPS ones; the optional redirect of the dashboard and API
    /// to HTTPS (HLS and HTTP-FLV stay on HTTP for players that cannot do TLS, ACME challenges for a first certificate
    /// while the HTTPS one is still self-signed); play rules on HLS, HTTP-FLV and the player page.</summary>
    public static WebApplication UseStreamHubSecurity(this WebApplication app)
    {
        var http = app.Services.GetRequiredService<IOptions<HttpOptions>>().Value;
        var https = app.Services.GetRequiredService<IOptions<HttpsOptions>>().Value;
        var access = app.Services.GetRequiredService<AccessPolicy>();

        app.Use(async (context, next) =>
        {
            var headers = context.Response.Headers;
            headers.XContentTypeOptions = "nosniff";
            headers["Referrer-Policy"] = "no-referrer";
            var path = context.Request.Path;
            var isPlayback = path.StartsWithSegments("/hls") || path.StartsWithSegments(HttpFlvEndpoints.PathPrefix) || path.StartsWithSegments("/watch");
            if (!isPlayback)
            {
                headers.XFrameOptions = "DENY";
            }
            if (context.Request.IsHttps)
            {
                headers.StrictTransportSecurity = "max-age=31536000";
            }
            else if (http.RedirectToHttps && https.Port != 0 && !path.StartsWithSegments("/hls") && !path.StartsWithSegments(HttpFlvEndpoints.PathPrefix) && !path.StartsWithSegments("/healthz") && !path.StartsWithSegments("/readyz")
                && !path.StartsWithSegments(AcmeChallengeEndpoints.PathPrefix))
            {
                var host = context.Request.Host.Host;
                var port = https.Port == 443 ? "" : $":{https.Port}";
                context.Response.Redirect($"https://{host}{port}{context.Request.PathBase}{path}{context.Request.QueryString}", permanent: false, preserveMethod: true);
                return;
            }
            if (isPlayback && !access.IsAllowed(AccessAction.Play, context.Connection.RemoteIpAddress))
            {
                context.Response.StatusCode = StatusCodes.Status403Forbidden;
                await context.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
                {
                    HttpContext = context,
                    ProblemDetails =
                    {
                        Status = StatusCodes.Status403Forbidden,
                        Title = "Playback is not allowed from this address",
                        Detail = $"{context.Connection.RemoteIpAddress} is not allowed to play (StreamHub:Access:Play).",
                    },
                });
                return;
            }
            await next(context);
        });
        app.UseRateLimiter();
        return app;
    }
}
