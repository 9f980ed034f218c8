using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using StreamHub.Admission;
using StreamHub.Diagnostics;
using StreamHub.Hosting;
using StreamHub.Live;

namespace StreamHub.Playback.HttpFlv;

/// <summary><c>/flv/{name}.flv</c>: a live stream, by its public name, as one FLV file that never ends while the stream
/// is live (HTTP-FLV, as SRS and nginx-http-flv serve it): header, onMetaData, sequence headers, the GOP cache, then
/// every live tag, over one chunked response. Players: mpegts.js in a browser (the watch page's low-latency mode),
/// ffplay, VLC, mpv. CORS is open, as for HLS.</summary>
public static class HttpFlvEndpoints
{
    public const string PathPrefix = "/flv";
    public const string ContentType = "video/x-flv";

    public static IEndpointRouteBuilder MapHttpFlvEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapMethods(PathPrefix + "/{name}.flv", [HttpMethods.Get, HttpMethods.Head], async Task<Results<EmptyHttpResult, ProblemHttpResult>> (string name,
            HttpContext context, StreamAdmission admitter, PlayerRegistry players, TrafficCounters traffic, IOptions<LiveOptions> options) =>
        {
            var response = context.Response;
            OpenCors.AllowAnyOrigin(response);
            response.Headers.CacheControl = "no-cache";
            // The Play rules were applied by the access middleware already; the admission decides for every protocol alike
            // (and pulls a stream live on another node from there).
            var admission = await admitter.AdmitPlayAsync(name, context.Connection.RemoteIpAddress, context.RequestAborted);
            if (admission.Refusal == AdmissionRefusal.AddressDenied)
            {
                return TypedResults.Problem("This address may not play streams (StreamHub:Access:Play).", statusCode: StatusCodes.Status403Forbidden, title: "Forbidden");
            }
            if (!admission.Admitted)
            {
                return TypedResults.Problem($"There is no live stream named '{name}'.", statusCode: StatusCodes.Status404NotFound, title: "Not found");
            }
            var stream = admission.Stream;
            response.ContentType = ContentType;
            if (HttpMethods.IsHead(context.Request.Method))
            {
                return TypedResults.Empty;
            }
            var connection = context.Connection;
            using var session = players.Join(stream, PlaybackProtocol.HttpFlv, context.Request.IsHttps ? "https" : "http", connection.Id,
                $"{connection.RemoteIpAddress}:{connection.RemotePort}");
            await new HttpFlvPlayer(context, session, traffic, TimeSpan.FromSeconds(options.Value.PlayerWriteTimeoutSeconds)).RunAsync();
            return TypedResults.Empty;
        }).WithTags("HTTP-FLV")
          .WithSummary("A live stream (by its public name) as FLV over one chunked response, for low-latency players (mpegts.js, ffplay, VLC)")
          .WithDescription("Starts with the FLV header, onMetaData, the sequence headers and the frames since the last keyframe, then sends every "
              + "frame as it arrives; the response ends when the publisher stops. A player that falls too far behind is cut off.")
          .Produces<Stream>(StatusCodes.Status200OK, ContentType)
          .ProducesProblem(StatusCodes.Status404NotFound)
          .ProducesProblem(StatusCodes.Status403Forbidden);

        app.MapMethods(PathPrefix + "/{name}.flv", [HttpMethods.Options], OpenCors.Preflight).ExcludeFromDescription();
        return app;
    }
}
