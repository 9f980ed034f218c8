using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using StreamHub.Diagnostics;
using StreamHub.Diagnostics.Metrics;
using StreamHub.Hls.Playlists;
using StreamHub.Hosting;

namespace StreamHub.Hls;

/// <summary><c>/hls/{name}/index.m3u8</c> and <c>/hls/{name}/s{sequence}.ts</c>, served from memory: the playlist
/// bytes are rendered once per segment and each segment is an immutable chain of pool blocks, written to every response
/// as it is.
/// CORS is open (players run on other origins); playlists are not cached, segments are immutable and served in single
/// byte ranges on request (players and CDNs fetch parts of a segment).</summary>
public static class HlsEndpoints
{
    public const string SegmentContentType = "video/mp2t";
    public const string PlaylistCacheControl = "no-cache";
    public const string SegmentCacheControl = "public, max-age=86400, immutable";

    /// <summary>Response headers a player's script on another origin may read: it checks what a range request got.</summary>
    public const string ExposedSegmentHeaders = "Accept-Ranges, Content-Range";

    public static IEndpointRouteBuilder MapHlsEndpoints(this IEndpointRouteBuilder app)
    {
        var hls = app.MapGroup("/hls/{name}").WithTags("HLS");

        hls.MapMethods("/index.m3u8", [HttpMethods.Get, HttpMethods.Head], Results<FileContentHttpResult, ProblemHttpResult> (string name, HlsPackager packager, HttpContext context, HlsViewers viewers,
            TrafficCounters traffic, StreamHubMetrics metrics) =>
        {
            var response = context.Response;
            OpenCors.AllowAnyOrigin(response);
            response.Headers.CacheControl = PlaylistCacheControl;
            if (!packager.TryGetSnapshot(name, out var snapshot))
            {
                return NotFound($"There is no HLS stream named '{name}'.");
            }
            if (!snapshot.HasPlaylist)
            {
                return NotFound($"The stream '{name}' has no finished segment yet; try again in a few seconds.");
            }
            viewers.Seen(name, context.Connection.RemoteIpAddress, context.Request.Headers.UserAgent);
            CountSent(context, traffic, metrics, name, snapshot.Playlist.Length);
            return TypedResults.Bytes(snapshot.Playlist, MediaPlaylistWriter.ContentType);
        }).WithSummary("The live media playlist of a stream (by its public name)");

        hls.MapMethods("/{segment}.ts", [HttpMethods.Get, HttpMethods.Head], Results<SegmentHttpResult, ProblemHttpResult> (string name, string segment, HlsPackager packager, HttpContext context,
            TrafficCounters traffic, StreamHubMetrics metrics) =>
        {
            var response = context.Response;
            OpenCors.AllowAnyOrigin(response);
            // The lease keeps the segment's blocks from going back to the pool until the response has been sent.
            if (!TryParseSequence(segment, out var sequence)
                || !packager.TryGetSnapshot(name, out var snapshot)
                || snapshot.FindSegment(sequence) is not { } found
                || found.TryLease() is not { } lease)
            {
                response.Headers.CacheControl = PlaylistCacheControl;
                return NotFound($"There is no segment '{segment}.ts' in the HLS stream '{name}'.");
            }
            response.RegisterForDispose(lease);
            response.Headers.AccessControlExposeHeaders = ExposedSegmentHeaders;
            var length = found.Data.Length;
            if (!ByteRange.TrySelect(context.Request, length, out var range))
            {
                // Not cached: a cache keys on the URL, not the Range, and would answer every later request with it.
                response.Headers.CacheControl = PlaylistCacheControl;
                response.Headers.AcceptRanges = SegmentHttpResult.AcceptRanges;
                response.Headers.ContentRange = SegmentHttpResult.UnsatisfiedContentRange(length);
                return TypedResults.Problem($"The Range header asks for bytes past the end of segment '{segment}.ts' ({length} bytes).",
                    statusCode: StatusCodes.Status416RangeNotSatisfiable, title: "Range not satisfiable");
            }
            response.Headers.CacheControl = SegmentCacheControl;
            var result = new SegmentHttpResult(found.Data, range);
            CountSent(context, traffic, metrics, name, result.BodyLength);
            return result;
        }).WithSummary("One MPEG-TS segment of a stream, or one byte range of it (Range: bytes=first-last, first- or -suffix)")
          .ProducesProblem(StatusCodes.Status404NotFound)
          .ProducesProblem(StatusCodes.Status416RangeNotSatisfiable);

        hls.MapMethods("/{file}", [HttpMethods.Options], OpenCors.Preflight).ExcludeFromDescription();

        return app;
    }

    private static void CountSent(HttpContext context, TrafficCounters traffic, StreamHubMetrics metrics, string name, long bytes)
    {
        if (HttpMethods.IsGet(context.Request.Method))
        {
            traffic.Sent(bytes);
            metrics.HlsBytesSent(name, bytes);
        }
    }

    private static ProblemHttpResult NotFound(string detail) =>
        TypedResults.Problem(detail, statusCode: StatusCodes.Status404NotFound, title: "Not found");

    /// <summary><c>s{sequence}</c>, the form <see cref="PlaylistEntry.SegmentUri"/> writes.</summary>
    private static bool TryParseSequence(string segment, out long sequence)
    {
        sequence = 0;
        return segment.Length > 1 && segment[0] == 's' && char.IsAsciiDigit(segment[1])
            && long.TryParse(segment.AsSpan(1), NumberStyles.None, CultureInfo.InvariantCulture, out sequence);
    }
}
