using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using StreamHub.Security;

namespace StreamHub.Recording;

/// <summary>The rewind window (DVR) of a recorded live stream: <c>/hls/{name}/rewind.m3u8</c>, a live playlist of the
/// last <see cref="RecordingOptions.RewindMinutes"/> of the recording being written, one segment per fragment as a
/// byte range of <c>/hls/{name}/rewind/{id}</c>, the file itself. It costs no memory (the media is on disk already,
/// and the page cache serves what was just written) and no copy; the window is as fresh as the last fragment (a GOP),
/// as live HLS is. Open to whoever may play the stream (StreamHub:Access:Play); a range before the window is refused, so
/// the link gives no more of the recording than the window.</summary>
public static class RewindEndpoints
{
    public static IEndpointRouteBuilder MapRewindEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapMethods("/hls/{name}/rewind.m3u8", [HttpMethods.Get, HttpMethods.Head], Playlist).WithTags("HLS").WithName("GetRewindPlaylist")
            .WithSummary("The stream's rewind window (DVR) as a live HLS playlist of byte ranges over its recording")
            .WithDescription("Needs StreamHub:Recording:RewindMinutes > 0 and the stream being recorded.");
        app.MapMethods("/hls/{name}/rewind/{id}", [HttpMethods.Get, HttpMethods.Head], Media).ExcludeFromDescription();
        return app;
    }

    private static IResult Playlist(HttpContext http, string name, Recorder recorder, IOptions<RecordingOptions> options, AccessPolicy access)
    {
        if (!access.IsAllowed(AccessAction.Play, http.Connection.RemoteIpAddress))
        {
            return Forbidden(http);
        }
        var minutes = options.Value.RewindMinutes;
        if (minutes <= 0)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No rewind window",
                detail: "StreamHub:Recording:RewindMinutes is 0: live streams have no rewind window.");
        }
        if (recorder.Current(name)?.Window(minutes * 60) is not { } window)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No rewind window yet",
                detail: $"'{name}' is not live and being recorded, or its first fragment is not written yet.");
        }
        var (info, first) = window;
        var uri = "rewind/" + info.Id;
        var target = (int)Math.Ceiling(Math.Max(1, info.Fragments.Max(f => f.Duration)));
        var text = new StringBuilder(256 + info.Fragments.Count * 80);
        text.Append("#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-INDEPENDENT-SEGMENTS\n");
        text.Append(CultureInfo.InvariantCulture, $"#EXT-X-TARGETDURATION:{target}\n#EXT-X-MEDIA-SEQUENCE:{first}\n");
        text.Append(CultureInfo.InvariantCulture, $"#EXT-X-MAP:URI=\"{uri}\",BYTERANGE=\"{info.InitLength}@0\"\n");
        foreach (var fragment in info.Fragments)
        {
            text.Append(CultureInfo.InvariantCulture, $"#EXTINF:{fragment.Duration:0.000},\n#EXT-X-BYTERANGE:{fragment.Length}@{fragment.Offset}\n{uri}\n");
        }
        http.Response.Headers.CacheControl = "no-cache";
        return TypedResults.Text(text.ToString(), "application/vnd.apple.mpegurl");
    }

    private static IResult Media(HttpContext http, string name, string id, Recorder recorder, RecordingStore store, IOptions<RecordingOptions> options,
        AccessPolicy access)
    {
        if (!access.IsAllowed(AccessAction.Play, http.Connection.RemoteIpAddress))
        {
            return Forbidden(http);
        }
        var window = options.Value.RewindMinutes > 0 ? recorder.Current(name)?.Window(options.Value.RewindMinutes * 60) : null;
        var path = store.PathOf(name, id);
        if (window is not { Info: var info } || info.Id != id || path is null)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not in the rewind window",
                detail: $"'{id}' is not the recording of '{name}' being written.");
        }
        // Only the init segment and the window's fragments: a byte range, starting inside one of them.
        var ranges = http.Request.GetTypedHeaders().Range;
        var from = ranges?.Ranges.Count == 1 ? ranges.Ranges.First().From : null;
        if (from is null || !(from < info.InitLength || from >= info.Fragments[0].Offset))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status416RangeNotSatisfiable, title: "Outside the rewind window",
                detail: "Ask for a byte range of the init segment or of a fragment listed in rewind.m3u8.");
        }
        http.Response.Headers.CacheControl = "no-cache";
        return TypedResults.PhysicalFile(path, "video/mp4", enableRangeProcessing: true);
    }

    private static ProblemHttpResult Forbidden(HttpContext http) => TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden,
        title: "Playback is not allowed from this address",
        detail: $"{http.Connection.RemoteIpAddress} is not allowed to play streams (StreamHub:Access:Play).");
}
