using Microsoft.AspNetCore.Http.HttpResults;
using StreamHub.StreamKeys;

namespace StreamHub.Restream;

/// <summary>The restream target admin API: <c>/api/streams/{name}/targets</c>. Keys go in, never out.</summary>
public static partial class RestreamTargetEndpoints
{
    public static RouteGroupBuilder MapRestreamTargetEndpoints(this RouteGroupBuilder api)
    {
        var targets = api.MapGroup("/streams/{name}/targets").WithTags("Restream");

        targets.MapPost("/", CreateAsync).WithName("CreateRestreamTarget")
            .WithSummary("Add a platform the stream is pushed on to while it is live")
            .WithDescription("Give the server URL and the key apart (as in OBS), or the full URL with the key at its end (as for " +
                "ffmpeg). The key is stored encrypted and never returned: the answer shows its last characters as keyHint.")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status401Unauthorized);

        targets.MapGet("/", ListAsync).WithName("ListRestreamTargets")
            .WithSummary("List the stream's targets with their push state (never their keys)")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status401Unauthorized);

        targets.MapGet("/{target}", GetAsync).WithName("GetRestreamTarget")
            .WithSummary("Get one target with its push state (never its key)")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status401Unauthorized);

        targets.MapPatch("/{target}", UpdateAsync).WithName("UpdateRestreamTarget")
            .WithSummary("Change a target: name, URL, key, enabled, allowUntrustedCertificate")
            .WithDescription("While the stream is live, the push restarts or stops to match.")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status401Unauthorized);

        targets.MapDelete("/{target}", DeleteAsync).WithName("DeleteRestreamTarget")
            .WithSummary("Delete a target; a push to it stops")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status401Unauthorized);

        return api;
    }

    /// <param name="name">The stream's name.</param>
    /// <param name="request">The target: name, url, key, enabled, allowUntrustedCertificate.</param>
    private static async Task<Results<Created<RestreamTargetResponse>, ValidationProblem, ProblemHttpResult>> CreateAsync(string name,
        CreateRestreamTargetRequest? request, RestreamTargetStore store, IRestreamControl control, ILoggerFactory loggers,
        CancellationToken cancellationToken)
    {
        var errors = RestreamTargetRequestValidator.Validate(request, out var draft);
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, title: "The restream target has invalid fields");
        }
        var (outcome, target) = await store.CreateAsync(name, draft!, cancellationToken);
        if (outcome != RestreamTargetOutcome.Done)
        {
            return Problem(outcome, name, draft!.Name!);
        }
        control.TargetsChanged(name);
        LogAdded(loggers.CreateLogger(typeof(RestreamTargetEndpoints)), name, target!.Name, target.Host, target.Enabled);
        return TypedResults.Created($"/api/streams/{name}/targets/{target.Name}",
            RestreamTargetResponse.From(target, keyReadable: true, control.StatusOf(name).FirstOrDefault(s => s.Name == target.Name)));
    }

    /// <param name="name">The stream's name.</param>
    private static async Task<Results<Ok<RestreamTargetResponse[]>, ProblemHttpResult>> ListAsync(string name, RestreamTargetStore store,
        RestreamKeyProtector keys, IRestreamControl control, CancellationToken cancellationToken)
    {
        var targets = await store.ListAsync(name, cancellationToken);
        return targets is null
            ? Problem(RestreamTargetOutcome.NoSuchStream, name, "")
            : TypedResults.Ok(RestreamTargetResponse.From(targets, keys, control.StatusOf(name)));
    }

    /// <param name="name">The stream's name.</param>
    /// <param name="target">The target's name.</param>
    private static async Task<Results<Ok<RestreamTargetResponse>, ProblemHttpResult>> GetAsync(string name, string target,
        RestreamTargetStore store, RestreamKeyProtector keys, IRestreamControl control, CancellationToken cancellationToken)
    {
        var (outcome, record) = await store.GetAsync(name, target, cancellationToken);
        return outcome != RestreamTargetOutcome.Done
            ? Problem(outcome, name, target)
            : TypedResults.Ok(RestreamTargetResponse.From([record!], keys, control.StatusOf(name))[0]);
    }

    /// <param name="name">The stream's name.</param>
    /// <param name="target">The target's name.</param>
    /// <param name="request">The fields to change.</param>
    private static async Task<Results<Ok<RestreamTargetResponse>, ValidationProblem, ProblemHttpResult>> UpdateAsync(string name, string target,
        UpdateRestreamTargetRequest? request, RestreamTargetStore store, RestreamKeyProtector keys, IRestreamControl control,
        ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var errors = RestreamTargetRequestValidator.Validate(request, out var changes);
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, title: "The change has invalid fields");
        }
        var (outcome, record) = await store.UpdateAsync(name, target, changes!, cancellationToken);
        if (outcome != RestreamTargetOutcome.Done)
        {
            return Problem(outcome, name, outcome == RestreamTargetOutcome.NameTaken ? changes!.Name! : target);
        }
        control.TargetsChanged(name);
        LogChanged(loggers.CreateLogger(typeof(RestreamTargetEndpoints)), name, record!.Name, record.Host, record.Enabled, changes!.Key is not null);
        return TypedResults.Ok(RestreamTargetResponse.From([record], keys, control.StatusOf(name))[0]);
    }

    /// <param name="name">The stream's name.</param>
    /// <param name="target">The target's name.</param>
    private static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(string name, string target, RestreamTargetStore store,
        IRestreamControl control, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var outcome = await store.DeleteAsync(name, target, cancellationToken);
        if (outcome != RestreamTargetOutcome.Done)
        {
            return Problem(outcome, name, target);
        }
        control.TargetsChanged(name);
        LogDeleted(loggers.CreateLogger(typeof(RestreamTargetEndpoints)), name, target);
        return TypedResults.NoContent();
    }

    private static ProblemHttpResult Problem(RestreamTargetOutcome outcome, string streamName, string targetName) => outcome switch
    {
        RestreamTargetOutcome.NameTaken => TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Target name already in use",
            detail: $"Stream '{streamName}' already has a target named '{targetName}'. Choose another name, or change that target.",
            extensions: new Dictionary<string, object?> { ["field"] = "name" }),
        RestreamTargetOutcome.NoSuchTarget => TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such target",
            detail: $"Stream '{streamName}' has no target named '{Shorten(targetName)}'.",
            extensions: new Dictionary<string, object?> { ["field"] = "target" }),
        _ => TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such stream",
            detail: StreamName.IsValid(streamName) ? $"There is no stream named '{streamName}'." : $"'{Shorten(streamName)}' is not a valid stream name, so no stream has it.",
            extensions: new Dictionary<string, object?> { ["field"] = "name" }),
    };

    private static string Shorten(string value) => value.Length > 80 ? value[..80] + "…" : value;

    [LoggerMessage(Level = LogLevel.Information, Message = "Stream {StreamName}: restream target {TargetName} ({Host}) added, enabled: {Enabled}")]
    private static partial void LogAdded(ILogger logger, string streamName, string targetName, string host, bool enabled);

    [LoggerMessage(Level = LogLevel.Information, Message = "Stream {StreamName}: restream target {TargetName} ({Host}) changed, enabled: {Enabled}, new key: {KeyChanged}")]
    private static partial void LogChanged(ILogger logger, string streamName, string targetName, string host, bool enabled, bool keyChanged);

    [LoggerMessage(Level = LogLevel.Information, Message = "Stream {StreamName}: restream target {TargetName} deleted")]
    private static partial void LogDeleted(ILogger logger, string streamName, string targetName);
}
