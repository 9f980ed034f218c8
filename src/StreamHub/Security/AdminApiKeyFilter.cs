namespace StreamHub.Security;

/// <summary>Endpoint filter on the <c>/api</c> group: an address outside StreamHub:Access:Admin gets 403, a request
/// without the valid <c>X-Api-Key</c> 401 (both ProblemDetails).</summary>
public sealed class AdminApiKeyFilter(AdminApiKey adminKey, AccessPolicy access) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        if (!access.IsAllowed(AccessAction.Admin, http.Connection.RemoteIpAddress))
        {
            return TypedResults.Problem(
                statusCode: StatusCodes.Status403Forbidden,
                title: "The admin API is not allowed from this address",
                detail: $"{http.Connection.RemoteIpAddress} is not allowed to use the admin API (StreamHub:Access:Admin).");
        }
        if (!adminKey.Matches(http.Request.Headers[AdminApiKey.HeaderName]))
        {
            http.Response.Headers.WWWAuthenticate = $"ApiKey header=\"{AdminApiKey.HeaderName}\"";
            return TypedResults.Problem(
                statusCode: StatusCodes.Status401Unauthorized,
                title: "Missing or wrong admin API key",
                detail: $"Send the admin key in the {AdminApiKey.HeaderName} header. It is StreamHub:Admin:ApiKey, or the key generated into the data directory on first start.");
        }
        return await next(context);
    }
}
