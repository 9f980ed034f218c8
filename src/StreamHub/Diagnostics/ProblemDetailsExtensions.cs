using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.Json;

namespace StreamHub.Diagnostics;

/// <summary>RFC 9457 problem details for every error the HTTP side returns, including a body that is not valid JSON
/// (answered with the field that failed to parse).</summary>
public static class ProblemDetailsExtensions
{
    public static WebApplicationBuilder AddStreamHubProblemDetails(this WebApplicationBuilder builder)
    {
        builder.Services.AddProblemDetails(options => options.CustomizeProblemDetails = context =>
            context.ProblemDetails.Extensions.TryAdd("traceId", context.HttpContext.TraceIdentifier));
        builder.Services.AddExceptionHandler<BadRequestExceptionHandler>();
        // Lets the exception handler see a body that failed to bind, so it can name the field.
        builder.Services.Configure<RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);
        builder.Services.Configure<JsonOptions>(options => options.SerializerOptions.AllowTrailingCommas = true);
        return builder;
    }

    public static WebApplication UseStreamHubProblemDetails(this WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        return app;
    }

    private sealed class BadRequestExceptionHandler(IProblemDetailsService problems) : IExceptionHandler
    {
        public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
        {
            if (exception is not BadHttpRequestException badRequest)
            {
                return false;
            }
            var field = "body";
            var message = badRequest.Message;
            if (badRequest.InnerException is JsonException json)
            {
                field = FieldFromPath(json.Path);
                message = field == "body"
                    ? "The body is not valid JSON."
                    : $"The value of '{field}' is not valid (expected {ExpectedType(field)}).";
            }
            httpContext.Response.StatusCode = badRequest.StatusCode;
            return await problems.TryWriteAsync(new ProblemDetailsContext
            {
                HttpContext = httpContext,
                ProblemDetails = new HttpValidationProblemDetails(new Dictionary<string, string[]> { [field] = [message] })
                {
                    Status = badRequest.StatusCode,
                    Title = "The request body could not be read",
                },
                Exception = exception,
            });
        }

        private static string FieldFromPath(string? path)
        {
            // "$.expiresAt" -> "expiresAt"; "$" or null -> body
            if (string.IsNullOrEmpty(path) || path == "$")
            {
                return "body";
            }
            var field = path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : path;
            return field.Length == 0 ? "body" : field;
        }

        private static string ExpectedType(string field) => field switch
        {
            "expiresAt" => "an ISO 8601 date-time such as 2030-01-01T00:00:00Z",
            _ => "a string",
        };
    }
}
