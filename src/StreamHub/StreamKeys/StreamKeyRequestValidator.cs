using StreamHub.Hls;

namespace StreamHub.StreamKeys;

/// <summary>Field checks for <see cref="CreateStreamRequest"/>; the errors are keyed by JSON field name.</summary>
public static class StreamKeyRequestValidator
{
    public const int MaxDescriptionLength = 256;
    public const int MaxAllowedPublishersLength = 2048;

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
        ValidateAllowedPublishers(request.AllowedPublishers, errors);
        if (request.HlsContainer is { } container && !StreamHlsSettings.TryParse(container, out _))
        {
            errors["hlsContainer"] = [$"'{Truncate(container)}' is not an HLS container: use \"fmp4\" or \"ts\", or leave it out for the server's setting."];
        }
        return errors;
    }

    public static Dictionary<string, string[]> Validate(UpdateStreamRequest? request)
    {
        var errors = new Dictionary<string, string[]>();
        if (request is null)
        {
            errors["body"] = ["A JSON body is required, e.g. {\"description\": \"main camera\"}."];
            return errors;
        }
        if (request.Description is { Length: > MaxDescriptionLength })
        {
            errors["description"] = [$"The description is {request.Description.Length} characters; at most {MaxDescriptionLength} are allowed."];
        }
        // An expiry already past is allowed here: it is how an admin stops a key at once without deleting the stream.
        if (request.ExpiresAt is not null && request.ClearExpiry == true)
        {
            errors["clearExpiry"] = ["Give either expiresAt or clearExpiry, not both."];
        }
        ValidateAllowedPublishers(request.AllowedPublishers, errors);
        if (request.HlsContainer is { } container && !StreamHlsSettings.TryParse(container, out _)
            && !string.Equals(container, DefaultHlsContainer, StringComparison.OrdinalIgnoreCase))
        {
            errors["hlsContainer"] = [$"'{Truncate(container)}' is not an HLS container: use \"fmp4\", \"ts\", or \"default\" for the server's setting."];
        }
        if (request.HlsLowLatency is not null && request.ClearHlsLowLatency == true)
        {
            errors["clearHlsLowLatency"] = ["Give either hlsLowLatency or clearHlsLowLatency, not both."];
        }
        return errors;
    }

    /// <summary>What PATCH takes as <c>hlsContainer</c> to follow the server's setting again.</summary>
    public const string DefaultHlsContainer = "default";

    /// <summary>The stored form of a valid <c>hlsContainer</c>: "fmp4", "ts", or null for the server's setting.</summary>
    public static string? NormaliseHlsContainer(string? value) =>
        StreamHlsSettings.TryParse(value, out var container) ? StreamHlsSettings.Format(container) : null;

    /// <summary>The stored form of a valid list: normalised networks, comma-separated; null when empty.</summary>
    public static string? NormaliseAllowedPublishers(string[]? entries)
    {
        if (entries is null || entries.Length == 0)
        {
            return null;
        }
        var networks = new List<string>();
        foreach (var entry in entries)
        {
            if (Security.AddressRules.TryParseNetwork(entry.Trim(), out var network))
            {
                networks.Add(network.ToString());
            }
        }
        return networks.Count == 0 ? null : string.Join(',', networks);
    }

    private static void ValidateAllowedPublishers(string[]? entries, Dictionary<string, string[]> errors)
    {
        if (entries is null)
        {
            return;
        }
        var bad = entries.Where(e => string.IsNullOrWhiteSpace(e) || !Security.AddressRules.TryParseNetwork(e.Trim(), out _)).ToArray();
        if (bad.Length > 0)
        {
            errors["allowedPublishers"] = [.. bad.Select(e => $"'{Truncate(e ?? "")}' is not an IP address or a CIDR network such as 203.0.113.0/24.")];
        }
        else if (entries.Length > 64 || (NormaliseAllowedPublishers(entries)?.Length ?? 0) > MaxAllowedPublishersLength)
        {
            errors["allowedPublishers"] = ["At most 64 networks."];
        }
    }

    private static string Truncate(string value) => value.Length <= 80 ? value : value[..80] + "…";
}
