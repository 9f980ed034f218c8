using System.Collections.Concurrent;
using StreamHub.Hls;
using StreamHub.StreamKeys;

namespace StreamHub.Cluster;

/// <summary>A request for <c>/hls/{name}/...</c> of a stream that is not packaged here but live on another node:
/// with <c>StreamHub:Cluster:PlaybackMode=Proxy</c> this node fetches it from that node and answers itself (through the
/// <see cref="EdgeCache"/>); with <c>Redirect</c> it answers 302 to the same path and query on that node's public
/// http(s) URL. Either way a viewer may start from any node. Where a stream is is asked of the store at most once a
/// second per name (viewers poll playlists every part or segment), and the answers kept are bounded.</summary>
public sealed class RemotePlayback(ClusterNode node, HlsPackager packager, EdgeCache edge, TimeProvider time)
{
    private const int MaxCachedNames = 10_000;
    private static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(1);

    private readonly ConcurrentDictionary<string, (Origin? Origin, long Until)> _origins = new(StringComparer.Ordinal);

    public async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        if (node.Store is null || node.Options.ServesLocalOnly
            || !context.Request.Path.StartsWithSegments("/hls", out var rest) || !rest.HasValue)
        {
            await next(context);
            return;
        }
        var path = rest.Value.AsSpan(1);
        var slash = path.IndexOf('/');
        var name = slash < 0 ? path.ToString() : path[..slash].ToString();
        if (slash < 0 || !StreamName.IsValid(name) || packager.TryGetSnapshot(name, out _)
            || HttpMethods.IsOptions(context.Request.Method)
            || await OriginOfAsync(name, context.Request.IsHttps, context.RequestAborted) is not { } origin)
        {
            await next(context);
            return;
        }
        if (node.Options.ProxiesPlayback)
        {
            await edge.ServeAsync(context, name, origin.Url, origin.Since);
            return;
        }
        context.Response.Headers.CacheControl = "no-store";
        context.Response.Redirect(origin.Url.TrimEnd('/') + context.Request.Path + context.Request.QueryString, permanent: false);
    }

    private async ValueTask<Origin?> OriginOfAsync(string name, bool https, CancellationToken cancellationToken)
    {
        var now = time.GetTimestamp();
        if (_origins.TryGetValue(name, out var cached) && cached.Until > now)
        {
            return cached.Origin;
        }
        Origin? origin = null;
        try
        {
            if (await node.Store!.HolderAsync(name, cancellationToken) is { } holder && holder.Node != node.NodeId)
            {
                var urls = holder.PublicUrls.Where(u => u.StartsWith("http://", StringComparison.OrdinalIgnoreCase)
                    || u.StartsWith("https://", StringComparison.OrdinalIgnoreCase)).ToArray();
                // Redirect: the viewer's own scheme when the origin has it (an https page must not be sent to http).
                // Proxy: the edge's own request, plain http first when the origin offers it (no TLS between nodes).
                var preferred = node.Options.ProxiesPlayback ? "http://" : https ? "https://" : "http://";
                var url = urls.FirstOrDefault(u => u.StartsWith(preferred, StringComparison.OrdinalIgnoreCase)) ?? urls.FirstOrDefault();
                origin = url is null ? null : new Origin(url, holder.Since);
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

    private sealed record Origin(string Url, DateTimeOffset Since);
}
