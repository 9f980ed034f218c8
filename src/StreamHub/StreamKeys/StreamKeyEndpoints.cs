using System.Net;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using StreamHub.Cluster;
using StreamHub.Hls;
using StreamHub.Live;
using StreamHub.Playback;
using StreamHub.Recording;
using StreamHub.Restream;
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
            .WithSummary("Change a stream's description, expiry, publisher networks or HLS settings (never its key)")
            .WithDescription("HLS settings (hlsContainer, hlsLowLatency) apply from the stream's next publish. A change after which the stream's key would refuse its live publisher (an expiry already past, publisher " +
                "networks that leave its address out) disconnects that publisher, unless disconnect=false.")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status401Unauthorized);

        streams.MapDelete("/{name}", DeleteAsync).WithName("DeleteStream").WithSummary("Delete a stream; its key stops working at once")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status401Unauthorized);

        streams.MapPost("/{name}/rotate-key", RotateAsync).WithName("RotateStreamKey")
            .WithSummary("Issue a new key; the old one stops working at once")
            .WithDescription("Returns the new key once. The live publisher, which holds the old key, is disconnected (a leaked key " +
                "is the usual reason to rotate), unless disconnect=false; it then carries on until it disconnects.")
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
            StreamKeyRequestValidator.NormaliseAllowedPublishers(request.AllowedPublishers),
            StreamKeyRequestValidator.NormaliseHlsContainer(request.HlsContainer), request.HlsLowLatency);
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
        PlayerRegistry players, RestreamTargetStore targets, RestreamKeyProtector keys, IRestreamControl restream, TimeProvider time,
        CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var streams = await store.ListAsync(cancellationToken);
        var targetsByStream = await targets.ListAllAsync(cancellationToken);
        return TypedResults.Ok(streams.Select(s => StreamResponse.From(s, now, live.Find(s.Name), HlsStats.For(s.Name, hls, viewers), players.CountsFor(s.Name),
            RestreamTargetResponse.From(targetsByStream[s.Name], keys, restream.StatusOf(s.Name)))).ToArray());
    }

    private static async Task<Results<Ok<StreamResponse>, ProblemHttpResult>> GetAsync(string name, StreamKeyStore store, LiveStreamRegistry live,
        HlsPackager hls, HlsViewers viewers, PlayerRegistry players, RestreamTargetStore targets, RestreamKeyProtector keys,
        IRestreamControl restream, TimeProvider time, CancellationToken cancellationToken)
    {
        var stream = await store.GetAsync(name, cancellationToken);
        return stream is null ? NotFound(name) : TypedResults.Ok(StreamResponse.From(stream, time.GetUtcNow(), live.Find(name),
            HlsStats.For(name, hls, viewers), players.CountsFor(name),
            RestreamTargetResponse.From(await targets.ListAsync(name, cancellationToken) ?? [], keys, restream.StatusOf(name))));
    }

    /// <param name="name">The stream's name.</param>
    /// <param name="request">The fields to change.</param>
    /// <param name="disconnect">false leaves a live publisher that the change would refuse connected until it
    /// disconnects by itself; by default it is disconnected at once.</param>
    private static async Task<Results<Ok<StreamResponse>, ValidationProblem, ProblemHttpResult>> UpdateAsync(string name, UpdateStreamRequest? request,
        StreamKeyStore store, LiveStreamRegistry live, HlsPackager hls, HlsViewers viewers, PlayerRegistry players, RestreamTargetStore targets,
        RestreamKeyProtector keys, IRestreamControl restream, ClusterNode cluster, StreamKeyExpiryWatch expiries, TimeProvider time,
        ILoggerFactory loggers, CancellationToken cancellationToken, bool disconnect = true)
    {
        var errors = StreamKeyRequestValidator.Validate(request);
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, title: "The update has invalid fields");
        }
        var stream = await store.UpdateAsync(name, request!, cancellationToken);
        if (stream is null)
        {
            return NotFound(name);
        }
        expiries.ExpiriesChanged();
        var logger = loggers.CreateLogger(typeof(StreamKeyEndpoints));
        var now = time.GetUtcNow();
        var publishing = live.Find(name);
        if (publishing is not null && WhyRefused(stream, publishing, now) is { } reason)
        {
            if (disconnect)
            {
                publishing.Stop();
                LogUpdatedPublisherDisconnected(logger, name, reason);
            }
            else
            {
                publishing.KeepThroughKeyChange();
                LogUpdatedPublisherKept(logger, name, reason);
            }
        }
        else
        {
            LogUpdated(logger, name);
        }
        // The node where the stream is live, if another, checks its publisher against the stored change.
        await cluster.AnnounceAsync(KeyChange.Updated, name, disconnect, cancellationToken);
        return TypedResults.Ok(StreamResponse.From(stream, now, live.Find(name), HlsStats.For(name, hls, viewers), players.CountsFor(name),
            RestreamTargetResponse.From(await targets.ListAsync(name, cancellationToken) ?? [], keys, restream.StatusOf(name))));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(string name, StreamKeyStore store, LiveStreamRegistry live,
        IRestreamControl restream, Recorder recorder, ClusterNode cluster, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        if (!await store.DeleteAsync(name, cancellationToken))
        {
            return NotFound(name);
        }
        // Its restream targets went with it (a cascading foreign key): the pusher stops pushing them.
        restream.TargetsChanged(name);
        // So did its recording settings (columns of the stream): the recorder's copy goes too, or a stream created
        // again under the name would be recorded by the deleted one's settings.
        recorder.Forget(name);
        // A deleted key must not keep publishing: the live publisher, if any, is disconnected.
        var publishing = live.Find(name);
        publishing?.Stop();
        LogDeleted(loggers.CreateLogger(typeof(StreamKeyEndpoints)), name, publishing is not null);
        // Another node where the stream is live does the same on the notice.
        await cluster.AnnounceAsync(KeyChange.Deleted, name, disconnect: true, cancellationToken);
        return TypedResults.NoContent();
    }

    /// <param name="name">The stream's name.</param>
    /// <param name="disconnect">false leaves the live publisher (which holds the old key) connected until it
    /// disconnects by itself; by default it is disconnected at once.</param>
    private static async Task<Results<Ok<StreamWithKeyResponse>, ProblemHttpResult>> RotateAsync(string name, StreamKeyStore store,
        LiveStreamRegistry live, IOptions<RtmpOptions> rtmp, ClusterNode cluster, ILoggerFactory loggers, CancellationToken cancellationToken,
        bool disconnect = true)
    {
        var rotated = await store.RotateKeyAsync(name, cancellationToken);
        if (rotated is not { } result)
        {
            return NotFound(name);
        }
        var logger = loggers.CreateLogger(typeof(StreamKeyEndpoints));
        // After the store: a publisher that reconnects with the old key is refused.
        var publishing = live.Find(name);
        if (publishing is null)
        {
            LogRotated(logger, name);
        }
        else if (disconnect)
        {
            publishing.Stop();
            LogRotatedPublisherDisconnected(logger, name);
        }
        else
        {
            publishing.KeepThroughKeyChange();
            LogRotatedPublisherKept(logger, name);
        }
        await cluster.AnnounceAsync(KeyChange.Rotated, name, disconnect, cancellationToken);
        return TypedResults.Ok(StreamWithKeyResponse.From(result.Stream, result.Key, rtmp.Value.Application));
    }

    /// <summary>Why the stream's key, as it now stands, would refuse <paramref name="publishing"/>; null when it
    /// would still accept it.</summary>
    internal static string? WhyRefused(StreamRecord stream, LiveStream publishing, DateTimeOffset now)
    {
        if (stream.IsExpired(now))
        {
            return "its key has expired";
        }
        var address = IPEndPoint.TryParse(publishing.Publisher.RemoteAddress, out var endpoint) ? endpoint.Address : null;
        var decision = new PublishDecision(PublishVerdict.Allowed, stream.Name, stream.AllowedPublisherNetworks);
        return decision.AllowsAddress(address) ? null : $"its address {address?.ToString() ?? "(unknown)"} is no longer among the stream's publisher networks";
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

    [LoggerMessage(Level = LogLevel.Information, Message = "Stream {StreamName} updated; its live publisher was disconnected: {Reason}")]
    private static partial void LogUpdatedPublisherDisconnected(ILogger logger, string streamName, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Stream {StreamName} updated; its live publisher carries on (disconnect=false) although {Reason}")]
    private static partial void LogUpdatedPublisherKept(ILogger logger, string streamName, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Stream {StreamName} key rotated; the previous key no longer publishes (no publisher was live)")]
    private static partial void LogRotated(ILogger logger, string streamName);

    [LoggerMessage(Level = LogLevel.Information, Message = "Stream {StreamName} key rotated; the live publisher was disconnected and the previous key no longer publishes")]
    private static partial void LogRotatedPublisherDisconnected(ILogger logger, string streamName);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Stream {StreamName} key rotated; the live publisher carries on with the previous key until it disconnects (disconnect=false), and the previous key no longer publishes")]
    private static partial void LogRotatedPublisherKept(ILogger logger, string streamName);
}
