namespace StreamHub.Security;

/// <summary>Endpoint filter on the <c>/api</c> group: no valid <c>X-Api-Key</c>, no entry (401 ProblemDetails).</summary>
public sealed class AdminApiKeyFilter(AdminApiKey adminKey) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
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
