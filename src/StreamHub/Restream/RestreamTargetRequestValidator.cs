using StreamHub.StreamKeys;

namespace StreamHub.Restream;

/// <summary>Field checks for the restream target API; the errors are keyed by JSON field name and never repeat a key
/// or a URL (which may end with one).</summary>
public static class RestreamTargetRequestValidator
{
    public const int MaxKeyLength = 1024;

    public static Dictionary<string, string[]> Validate(CreateRestreamTargetRequest? request, out RestreamTargetDraft? draft)
    {
        draft = null;
        var errors = new Dictionary<string, string[]>();
        if (request is null)
        {
            errors["body"] = ["A JSON body is required, e.g. {\"name\": \"youtube\", \"url\": \"rtmp://a.rtmp.youtube.com/live2\", \"key\": \"…\"}."];
            return errors;
        }
        ValidateName(request.Name, required: true, errors);
        RestreamUrl? url = null;
        var key = request.Key;
        if (key is null)
        {
            if (RestreamUrl.TryParseWithKey(request.Url, out var parsed, out var keyInUrl, out var keyMissing, out var error))
            {
                url = parsed;
                key = keyInUrl;
                ValidateKey(key, errors);
            }
            else
            {
                errors[keyMissing ? "key" : "url"] = [keyMissing ? "The key is required: give it in \"key\", or at the end of the URL (rtmp://host/app/KEY)." : error];
            }
        }
        else
        {
            ValidateKey(key, errors);
            if (RestreamUrl.TryParseServer(request.Url, out var parsed, out var error))
            {
                url = parsed;
                RefuseKeyInUrl(url, key, errors);
            }
            else
            {
                errors["url"] = [error];
            }
        }
        if (errors.Count == 0)
        {
            draft = new RestreamTargetDraft(request.Name, url, key, request.Enabled ?? true, request.AllowUntrustedCertificate ?? false);
        }
        return errors;
    }

    public static Dictionary<string, string[]> Validate(UpdateRestreamTargetRequest? request, out RestreamTargetDraft? changes)
    {
        changes = null;
        var errors = new Dictionary<string, string[]>();
        if (request is null)
        {
            errors["body"] = ["A JSON body is required, e.g. {\"enabled\": false}."];
            return errors;
        }
        ValidateName(request.Name, required: false, errors);
        RestreamUrl? url = null;
        if (request.Url is not null)
        {
            if (RestreamUrl.TryParseServer(request.Url, out var parsed, out var error))
            {
                url = parsed;
            }
            else
            {
                errors["url"] = [error];
            }
        }
        if (request.Key is not null)
        {
            ValidateKey(request.Key, errors);
            if (url is not null)
            {
                RefuseKeyInUrl(url, request.Key, errors);
            }
        }
        if (errors.Count == 0)
        {
            changes = new RestreamTargetDraft(request.Name, url, request.Key, request.Enabled, request.AllowUntrustedCertificate);
        }
        return errors;
    }

    private static void ValidateName(string? name, bool required, Dictionary<string, string[]> errors)
    {
        if (name is null && !required)
        {
            return;
        }
        if (string.IsNullOrEmpty(name))
        {
            errors["name"] = ["The target's name is required: " + StreamName.Rule + " (e.g. \"youtube\")."];
        }
        else if (name.Length > StreamName.MaxLength)
        {
            errors["name"] = [$"The name is {name.Length} characters; at most {StreamName.MaxLength} are allowed."];
        }
        else if (!StreamName.IsValid(name))
        {
            errors["name"] = [$"'{name}' is not a valid target name: use {StreamName.Rule}."];
        }
    }

    /// <summary>The full URL pasted as well as the key: the key would become part of the application, which is stored in
    /// clear and shown by the API.</summary>
    private static void RefuseKeyInUrl(RestreamUrl url, string key, Dictionary<string, string[]> errors)
    {
        if (key.Trim().Length > 0 && url.Application.Contains(key.Trim(), StringComparison.Ordinal))
        {
            errors["url"] = ["The URL already ends with the key: give the server URL alone (e.g. rtmp://live.twitch.tv/app), or leave \"key\" out."];
        }
    }

    private static void ValidateKey(string key, Dictionary<string, string[]> errors)
    {
        if (key.Trim().Length == 0)
        {
            errors["key"] = ["The key is empty: give the platform's stream key."];
        }
        else if (key.Length > MaxKeyLength)
        {
            errors["key"] = [$"The key is {key.Length} characters; at most {MaxKeyLength} are allowed."];
        }
        else if (key.Any(c => char.IsControl(c) || char.IsWhiteSpace(c)))
        {
            errors["key"] = ["The key must not contain spaces or control characters (copy it again from the platform)."];
        }
    }
}
