using Microsoft.Extensions.Options;
using StreamHub.StreamKeys;

namespace StreamHub.Cluster;

/// <summary>Stops start-up on a cluster setting that cannot work, naming it.</summary>
public sealed class ClusterOptionsValidator(IOptions<DatabaseOptions> database) : IValidateOptions<ClusterOptions>
{
    private static readonly string[] UrlSchemes = ["http", "https", "rtmp", "rtmps"];

    public ValidateOptionsResult Validate(string? name, ClusterOptions options)
    {
        var failures = new List<string>();
        const string S = ClusterOptions.Section;
        if (options.Enabled == true && !database.Value.IsPostgres)
        {
            failures.Add($"{S}:Enabled is true but {DatabaseOptions.Section}:Provider is not Postgres: nodes share membership and placement " +
                "through PostgreSQL; an embedded SQLite file cannot be shared.");
        }
        var nodeId = options.ResolvedNodeId;
        if (nodeId.Length > ClusterOptions.MaxNodeIdLength || !nodeId.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
        {
            failures.Add($"{S}:NodeId '{nodeId}' must be 1 to {ClusterOptions.MaxNodeIdLength} letters, digits, '-', '_' or '.'.");
        }
        var urls = options.ResolvedPublicUrls;
        foreach (var url in urls)
        {
            if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || !UrlSchemes.Contains(uri.Scheme) || string.IsNullOrEmpty(uri.Host))
            {
                failures.Add($"{S}:PublicUrls entry '{url}' is not an absolute http, https, rtmp or rtmps URL.");
            }
        }
        if (string.Join(' ', urls).Length > ClusterOptions.MaxPublicUrlsLength)
        {
            failures.Add($"{S}:PublicUrls is longer than {ClusterOptions.MaxPublicUrlsLength} characters.");
        }
        if (!(options.HeartbeatIntervalSeconds is >= 0.1 and <= 60))
        {
            failures.Add($"{S}:HeartbeatIntervalSeconds must be between 0.1 and 60 (got {options.HeartbeatIntervalSeconds}).");
        }
        else if (!(options.HeartbeatExpirySeconds >= 2 * options.HeartbeatIntervalSeconds && options.HeartbeatExpirySeconds <= 600))
        {
            failures.Add($"{S}:HeartbeatExpirySeconds must be at least twice HeartbeatIntervalSeconds ({2 * options.HeartbeatIntervalSeconds}) " +
                $"and at most 600 (got {options.HeartbeatExpirySeconds}): one late heartbeat must not release a node's streams.");
        }
        if (!options.ServesLocalOnly && !options.RedirectsPlayback && !options.ProxiesPlayback)
        {
            failures.Add($"{S}:PlaybackMode '{options.PlaybackMode}' must be {ClusterOptions.ProxyPlayback}, {ClusterOptions.RedirectPlayback} or {ClusterOptions.LocalPlayback}.");
        }
        if (options.EdgeCacheMegabytes is < 16 or > 65536)
        {
            failures.Add($"{S}:EdgeCacheMegabytes must be between 16 and 65536 (got {options.EdgeCacheMegabytes}).");
        }
        if (!(options.EdgeConnectTimeoutSeconds is >= 0.1 and <= 60))
        {
            failures.Add($"{S}:EdgeConnectTimeoutSeconds must be between 0.1 and 60 (got {options.EdgeConnectTimeoutSeconds}).");
        }
        if (!(options.EdgeOriginTimeoutSeconds is >= 1 and <= 600))
        {
            failures.Add($"{S}:EdgeOriginTimeoutSeconds must be between 1 and 600 (got {options.EdgeOriginTimeoutSeconds}).");
        }
        if (!(options.EdgePullLingerSeconds is >= 0 and <= 3600))
        {
            failures.Add($"{S}:EdgePullLingerSeconds must be between 0 and 3600 (got {options.EdgePullLingerSeconds}).");
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
