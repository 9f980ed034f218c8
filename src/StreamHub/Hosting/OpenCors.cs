namespace StreamHub.Hosting;

/// <summary>CORS for what players fetch (HLS, HTTP-FLV): open to every origin, since players run on other sites.</summary>
public static class OpenCors
{
    public static void AllowAnyOrigin(HttpResponse response) => response.Headers.AccessControlAllowOrigin = "*";

    /// <summary>Answers a preflight (OPTIONS) for GET and HEAD with whatever request headers the player asks for
    /// (hls.js and mpegts.js send Range).</summary>
    public static IResult Preflight(HttpRequest request, HttpResponse response)
    {
        AllowAnyOrigin(response);
        response.Headers.AccessControlAllowMethods = "GET, HEAD, OPTIONS";
        var requested = request.Headers.AccessControlRequestHeaders;
        if (!string.IsNullOrEmpty(requested))
        {
            response.Headers.AccessControlAllowHeaders = requested;
        }
        response.Headers.AccessControlMaxAge = "86400";
        return TypedResults.NoContent();
    }
}
