using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using StreamHub.Security;
using StreamHub.StreamKeys;

namespace StreamHub.Recording;

/// <summary>The recordings API under <c>/api/streams/{name}</c> (admin key), and the files themselves under
/// <c>/recordings/{name}/{id}</c> (admin key or a signed link): the MP4 with range requests, and
/// <c>/recordings/{name}/{stem}.m3u8</c>, the same file as an HLS playlist of byte ranges.</summary>
public static class RecordingEndpoints
{
    public const int DefaultLinkSeconds = 24 * 3600;

    public static string FileUrl(string streamName, string id) => $"/recordings/{streamName}/{id}";

    public static string PlaylistUrl(string streamName, string id) => $"/recordings/{streamName}/{Path.GetFileNameWithoutExtension(id)}.m3u8";

    public static RouteGroupBuilder MapRecordingEndpoints(this RouteGroupBuilder api)
    {
        var streams = api.MapGroup("/streams/{name}").WithTags("Recordings");

        streams.MapGet("/recordings", ListAsync).WithName("ListRecordings")
            .WithSummary("A stream's recordings (start, duration, size, codecs) and its recording state")
            .WithDescription("state is idle, recording or stopped; a stopped recording says why (stopReason: quotaExceeded, diskFull, " +
                "tooSlow, writeFailed, switchedOff) in error. gaps counts the times the disk fell behind and frames are missing.")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status401Unauthorized);

        streams.MapPut("/recording", SetAsync).WithName("SetRecording")
            .WithSummary("Switch recording on or off for a stream, and set its size limit")
            .WithDescription("enabled: true, false, or null for the server-wide StreamHub:Recording:Enabled. A live stream starts or stops " +
                "recording at once. maxMegabytes: the stream's limit (0: none), or null for StreamHub:Recording:MaxStreamMegabytes.")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status401Unauthorized);

        streams.MapDelete("/recordings/{id}", Delete).WithName("DeleteRecording").WithSummary("Delete a recording")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status401Unauthorized);

        streams.MapPost("/recordings/{id}/links", CreateLink).WithName("CreateRecordingLink")
            .WithSummary("A signed link to a recording that works without the admin key until it expires")
            .WithDescription("An HMAC over the stream, the recording and the expiry; the link serves the MP4 (with range requests, so a " +
                "browser's <video> seeks in it) and its HLS playlist.")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status401Unauthorized);
        return api;
    }

    /// <summary>The files: the admin key in <c>X-Api-Key</c>, or a signed link's <c>expires</c> and <c>sig</c>.</summary>
    public static IEndpointRouteBuilder MapRecordingFiles(this IEndpointRouteBuilder app)
    {
        app.MapMethods("/recordings/{name}/{file}", [HttpMethods.Get, HttpMethods.Head], Serve).WithTags("Recordings").WithName("GetRecordingFile")
            .WithSummary("Download a recording ({id}, range requests) or play it as HLS ({id without .mp4}.m3u8)")
            .WithDescription("Needs the admin key (X-Api-Key) or a signed link's expires and sig (POST .../recordings/{id}/links).");
        return app;
    }

    private static async Task<Results<Ok<RecordingListResponse>, ProblemHttpResult>> ListAsync(string name, StreamKeyStore streams, Recorder recorder,
        RecordingStore store, CancellationToken cancellationToken)
    {
        var files = store.Files(name);
        if (files.Count == 0 && await streams.GetAsync(name, cancellationToken) is null)
        {
            return NotFound(name);
        }
        var status = recorder.StatusOf(name);
        var settings = recorder.SettingsOf(name);
        var recordings = files.Select(f => RecordingResponse.From(name, store.Info(f.FullName), store.IsWriting(f.FullName))).ToArray();
        return TypedResults.Ok(new RecordingListResponse(name, recorder.IsEnabled(name), settings.Enabled, settings.MaxMegabytes,
            Camel(status.State.ToString()), status.StopReason == RecordingStopReason.None ? null : Camel(status.StopReason.ToString()), status.Error,
            status.Gaps, status.DroppedFrames, store.StreamBytesOf(name), recordings));
    }

    private static async Task<Results<Ok<RecordingListResponse>, ValidationProblem, ProblemHttpResult>> SetAsync(string name,
        RecordingSettingsRequest? request, StreamKeyDbContext db, StreamKeyStore streams, Recorder recorder, RecordingStore store,
        CancellationToken cancellationToken)
    {
        if (request is null)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["body"] = ["A JSON body is required, e.g. {\"enabled\": true}."] });
        }
        if (request.MaxMegabytes is < 0 or > long.MaxValue / (1024 * 1024))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]>
            {
                ["maxMegabytes"] = ["maxMegabytes must be 0 (no limit) or more, or null for StreamHub:Recording:MaxStreamMegabytes."],
            }, title: "The recording settings have invalid fields");
        }
        var stream = await db.Streams.FirstOrDefaultAsync(s => s.Name == name, cancellationToken);
        if (stream is null)
        {
            return NotFound(name);
        }
        stream.RecordingEnabled = request.Enabled;
        stream.RecordingMaxMegabytes = request.MaxMegabytes;
        await db.SaveChangesAsync(cancellationToken);
        await recorder.SettingsChangedAsync(name, new StreamRecordingSettings(request.Enabled, request.MaxMegabytes));
        return (await ListAsync(name, streams, recorder, store, cancellationToken)).Result switch
        {
            Ok<RecordingListResponse> ok => ok,
            ProblemHttpResult problem => problem,
            _ => NotFound(name),
        };
    }

    private static Results<NoContent, ProblemHttpResult> Delete(string name, string id, RecordingStore store)
    {
        var path = store.PathOf(name, id);
        if (path is null || !File.Exists(path))
        {
            return RecordingNotFound(name, id);
        }
        if (store.IsWriting(path))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "The recording is being written",
                detail: $"{id} is still being recorded; switch recording off for {name} or wait for the publish to end.");
        }
        return store.Delete(name, id, "deleted through the API") ? TypedResults.NoContent() : RecordingNotFound(name, id);
    }

    private static Results<Ok<RecordingLinkResponse>, ValidationProblem, ProblemHttpResult> CreateLink(string name, string id,
        RecordingLinkRequest? request, RecordingStore store, RecordingLinks links, IOptions<RecordingOptions> options, TimeProvider time)
    {
        var seconds = request?.ExpiresInSeconds ?? DefaultLinkSeconds;
        var max = options.Value.MaxLinkSeconds;
        if (seconds < 60 || seconds > max)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]>
            {
                ["expiresInSeconds"] = [$"expiresInSeconds must be between 60 and {max} (StreamHub:Recording:MaxLinkSeconds)."],
            }, title: "The link request has invalid fields");
        }
        var path = store.PathOf(name, id);
        if (path is null || !File.Exists(path))
        {
            return RecordingNotFound(name, id);
        }
        var expires = time.GetUtcNow().AddSeconds(seconds);
        var query = links.Sign(name, id, expires);
        return TypedResults.Ok(new RecordingLinkResponse($"{FileUrl(name, id)}?{query}", $"{PlaylistUrl(name, id)}?{query}",
            DateTimeOffset.FromUnixTimeSeconds(expires.ToUnixTimeSeconds())));
    }

    private static IResult Serve(HttpContext http, string name, string file, RecordingStore store, RecordingLinks links, AdminApiKey adminKey)
    {
        var playlist = file.EndsWith(".m3u8", StringComparison.Ordinal);
        var id = playlist ? file[..^".m3u8".Length] + ".mp4" : file;
        var path = store.PathOf(name, id);
        if (path is null || !File.Exists(path))
        {
            return RecordingNotFound(name, id);
        }
        var query = http.Request.Query;
        var signed = links.IsValid(name, id, query["expires"], query["sig"]);
        if (!signed && !adminKey.Matches(http.Request.Headers[AdminApiKey.HeaderName]))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Missing or expired link",
                detail: $"Send the admin key in the {AdminApiKey.HeaderName} header, or use a signed link (POST /api/streams/{{name}}/recordings/{{id}}/links) before it expires.");
        }
        http.Response.Headers.CacheControl = "private, no-cache";
        if (playlist)
        {
            // The media URI is the file beside the playlist, with the same signature when the playlist came through one.
            var mediaUri = signed ? $"{id}?expires={Uri.EscapeDataString(query["expires"].ToString())}&sig={Uri.EscapeDataString(query["sig"].ToString())}" : id;
            return TypedResults.Text(RecordingPlaylist.Write(store.Info(path), mediaUri, finished: !store.IsWriting(path)),
                "application/vnd.apple.mpegurl");
        }
        return TypedResults.PhysicalFile(path, "video/mp4", fileDownloadName: null, enableRangeProcessing: true);
    }

    private static string Camel(string value) => JsonNamingPolicy.CamelCase.ConvertName(value);

    private static ProblemHttpResult NotFound(string name) =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such stream", detail: $"There is no stream named '{name}'.");

    private static ProblemHttpResult RecordingNotFound(string name, string id) =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such recording",
            detail: $"Stream '{name}' has no recording '{id}'.");
}
