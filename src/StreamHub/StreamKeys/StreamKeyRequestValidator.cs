namespace StreamHub.StreamKeys;

/// <summary>Field checks for <see cref="CreateStreamRequest"/>; the errors are keyed by JSON field name.</summary>
public static class StreamKeyRequestValidator
{
    public const int MaxDescriptionLength = 256;

    public static Dictionary<string, string[]> Validate(CreateStreamRequest? request, DateTimeOffset now)
    {
        var errors = new Dictionary<string, string[]>();
        if (request is null)
        {
            errors["body"] = ["A JSON body is required, e.g. {\"name\": \"my-stream\"}."];
            return errors;
        }
        if (string.IsNullOrEmpty(request.Name))
        {
            errors["name"] = ["The name is required: " + StreamName.Rule + "."];
        }
        else if (!StreamName.IsValid(request.Name))
        {
            errors["name"] = [$"'{Truncate(request.Name)}' is not a valid stream name: use {StreamName.Rule}."];
        }
        if (request.Description is { Length: > MaxDescriptionLength })
        {
            errors["description"] = [$"The description is {request.Description.Length} characters; at most {MaxDescriptionLength} are allowed."];
        }
        if (request.ExpiresAt is { } expires && expires <= now)
        {
            errors["expiresAt"] = [$"The expiry {expires:O} is not in the future."];
        }
        return errors;
    }

    private static string Truncate(string value) => value.Length <= 80 ? value : value[..80] + "…";
}
