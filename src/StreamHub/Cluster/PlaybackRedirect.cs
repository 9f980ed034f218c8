using System.Collections.Concurrent;
using StreamHub.Hls;
using StreamHub.StreamKeys;

namespace StreamHub.Cluster;

/// <summary><c>StreamHub:Cluster:PlaybackMode=Redirect</c>: a request for <c>/hls/{name}/...</c> of a stream that is
/// not packaged here but live on another node is answered 302 to the same path and query on that node's public
/// http(s) URL, so a viewer may start from any node. Where a stream is is asked of the store at most once a second
/// per name (viewers poll playlists every part or segment), and the answers kept are bounded.</summary>
public sealed class PlaybackRedirect(ClusterNode node, HlsPackager packager, TimeProvider time)
{
    private const int MaxCachedNames = 10_000;
    private static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(1);

    private readonly ConcurrentDictionary<string, (string? Origin, long Until)> _origins = new(StringComparer.Ordinal);

    public async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        if (node.Store is null || !node.Options.RedirectsPlayback
            || !context.Request.Path.StartsWithSegments("/hls", out var rest) || !rest.HasValue)
        {
            await next(context);
            return;
        }
        var path = rest.Value.AsSpan(1);
        var slash = path.IndexOf('/');
        var name = slash < 0 ? path.ToString() : path[..slash].ToString();
        if (!StreamName.IsValid(name) || packager.TryGetSnapshot(name, out _) || await OriginOfAsync(name, context.Request.IsHttps, context.RequestAborted) is not { } origin)
        {
            await next(context);
            return;
        }
        context.Response.Headers.CacheControl = "no-store";
        context.Response.Redirect(origin.TrimEnd('/') + context.Request.Path + context.Request.QueryString, permanent: false);
    }

    private async ValueTask<string?> OriginOfAsync(string name, bool https, CancellationToken cancellationToken)
    {
        var now = time.GetTimestamp();
        if (_origins.TryGetValue(name, out var cached) && cached.Until > now)
        {
            return cached.Origin;
        }
        string? origin = null;
        try
        {
            if (await node.Store!.HolderAsync(name, cancellationToken) is { } holder && holder.Node != node.NodeId)
            {
                var urls = holder.PublicUrls.Where(u => u.StartsWith("http://", StringComparison.OrdinalIgnoreCase)
                    || u.StartsWith("https://", StringComparison.OrdinalIgnoreCase)).ToArray();
                // The viewer's own scheme when the origin has it: an https page must not be sent to http.
                origin = urls.FirstOrDefault(u => u.StartsWith(https ? "https://" : "http://", StringComparison.OrdinalIgnoreCase))
                    ?? urls.FirstOrDefault();
            }
        }
        catch (Exception ex) when (StoreFailure.Is(ex))
        {
            node.ReportStoreFailure(ex);
        }
        if (_origins.Count >= MaxCachedNames)
        {
            _origins.Clear();
        }
        _origins[name] = (origin, now + (long)(CacheFor.TotalSeconds * time.TimestampFrequency));
        return origin;
    }
}
