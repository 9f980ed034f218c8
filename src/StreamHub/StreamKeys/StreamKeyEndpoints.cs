using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using StreamHub.Hls;
using StreamHub.Live;
using StreamHub.Rtmp;

namespace StreamHub.StreamKeys;

/// <summary>The stream key admin API: <c>/api/streams</c>.</summary>
public static partial class StreamKeyEndpoints
{
    public static RouteGroupBuilder MapStreamKeyEndpoints(this RouteGroupBuilder api)
    {
        var streams = api.MapGroup("/streams").WithTags("Streams");

        streams.MapPost("/", CreateAsync)
            .WithName("CreateStream")
            .WithSummary("Create a stream and its key")
            .WithDescription("Returns the stream key once; only its hash is stored. Publish to rtmp://HOST:1935/live/{key}.")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status401Unauthorized);

        streams.MapGet("/", ListAsync).WithName("ListStreams").WithSummary("List streams (never their keys)")
            .ProducesProblem(StatusCodes.Status401Unauthorized);

        streams.MapGet("/{name}", GetAsync).WithName("GetStream").WithSummary("Get one stream (never its key)")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status401Unauthorized);

        streams.MapPatch("/{name}", UpdateAsync).WithName("UpdateStream")
            .WithSummary("Change a stream's description, expiry or publisher networks (never its key)")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status401Unauthorized);

        streams.MapDelete("/{name}", DeleteAsync).WithName("DeleteStream").WithSummary("Delete a stream; its key stops working at once")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status401Unauthorized);

        streams.MapPost("/{name}/rotate-key", RotateAsync).WithName("RotateStreamKey")
            .WithSummary("Issue a new key; the old one stops working at once")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status401Unauthorized);

        return api;
    }

    private static async Task<Results<Created<StreamWithKeyResponse>, ValidationProblem, ProblemHttpResult>> CreateAsync(
        CreateStreamRequest? request, StreamKeyStore store, TimeProvider time, IOptions<RtmpOptions> rtmp,
        ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var errors = StreamKeyRequestValidator.Validate(request, time.GetUtcNow());
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, title: "The stream request has invalid fields");
        }
        var created = await store.CreateAsync(request!.Name!, request.Description, request.ExpiresAt, cancellationToken,
            StreamKeyRequestValidator.NormaliseAllowedPublishers(request.AllowedPublishers));
        if (created is not { } result)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Stream name already in use",
                detail: $"A stream named '{request.Name}' exists. Choose another name, or rotate that stream's key.",
                extensions: new Dictionary<string, object?> { ["field"] = "name" });
        }
        LogCreated(loggers.CreateLogger(typeof(StreamKeyEndpoints)), result.Stream.Name);
        return TypedResults.Created($"/api/streams/{result.Stream.Name}",
            StreamWithKeyResponse.From(result.Stream, result.Key, rtmp.Value.Application));
    }

    private static async Task<Ok<StreamResponse[]>> ListAsync(StreamKeyStore store, LiveStreamRegistry live, HlsPackager hls, HlsViewers viewers,
        TimeProvider time, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var streams = await store.ListAsync(cancellationToken);
        return TypedResults.Ok(streams.Select(s => StreamResponse.From(s, now, live.Find(s.Name), HlsStats.For(s.Name, hls, viewers))).ToArray());
    }

    private static async Task<Results<Ok<StreamResponse>, ProblemHttpResult>> GetAsync(string name, StreamKeyStore store, LiveStreamRegistry live,
        HlsPackager hls, HlsViewers viewers, TimeProvider time, CancellationToken cancellationToken)
    {
        var stream = await store.GetAsync(name, cancellationToken);
        return stream is null ? NotFound(name) : TypedResults.Ok(StreamResponse.From(stream, time.GetUtcNow(), live.Find(name), HlsStats.For(name, hls, viewers)));
    }

    private static async Task<Results<Ok<StreamResponse>, ValidationProblem, ProblemHttpResult>> UpdateAsync(string name, UpdateStreamRequest? request,
        StreamKeyStore store, LiveStreamRegistry live, HlsPackager hls, HlsViewers viewers, TimeProvider time, ILoggerFactory loggers,
        CancellationToken cancellationToken)
    {
        var errors = StreamKeyRequestValidator.Validate(request, time.GetUtcNow());
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, title: "The update has invalid fields");
        }
        var stream = await store.UpdateAsync(name, request!, cancellationToken);
        if (stream is null)
        {
            return NotFound(name);
        }
        LogUpdated(loggers.CreateLogger(typeof(StreamKeyEndpoints)), name);
        return TypedResults.Ok(StreamResponse.From(stream, time.GetUtcNow(), live.Find(name), HlsStats.For(name, hls, viewers)));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(string name, StreamKeyStore store, LiveStreamRegistry live,
        ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        if (!await store.DeleteAsync(name, cancellationToken))
        {
            return NotFound(name);
        }
        // A deleted key must not keep publishing: the live publisher, if any, is disconnected.
        var publishing = live.Find(name);
        publishing?.Stop();
        LogDeleted(loggers.CreateLogger(typeof(StreamKeyEndpoints)), name, publishing is not null);
        return TypedResults.NoContent();
    }

    private static async Task<Results<Ok<StreamWithKeyResponse>, ProblemHttpResult>> RotateAsync(string name, StreamKeyStore store,
        IOptions<RtmpOptions> rtmp, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var rotated = await store.RotateKeyAsync(name, cancellationToken);
        if (rotated is not { } result)
        {
            return NotFound(name);
        }
        LogRotated(loggers.CreateLogger(typeof(StreamKeyEndpoints)), name);
        return TypedResults.Ok(StreamWithKeyResponse.From(result.Stream, result.Key, rtmp.Value.Application));
    }

    private static ProblemHttpResult NotFound(string name) => TypedResults.Problem(
        statusCode: StatusCodes.Status404NotFound, title: "No such stream",
        detail: StreamName.IsValid(name) ? $"There is no stream named '{name}'." : $"'{(name.Length > 80 ? name[..80] + "…" : name)}' is not a valid stream name, so no stream has it.");

    [LoggerMessage(Level = LogLevel.Information, Message = "Stream {StreamName} created")]
    private static partial void LogCreated(ILogger logger, string streamName);

    [LoggerMessage(Level = LogLevel.Information, Message = "Stream {StreamName} deleted; its key no longer publishes (live publisher disconnected: {WasLive})")]
    private static partial void LogDeleted(ILogger logger, string streamName, bool wasLive);

    [LoggerMessage(Level = LogLevel.Information, Message = "Stream {StreamName} updated")]
    private static partial void LogUpdated(ILogger logger, string streamName);

    [LoggerMessage(Level = LogLevel.Information, Message = "Stream {StreamName} key rotated; the previous key no longer publishes")]
    private static partial void LogRotated(ILogger logger, string streamName);
}
