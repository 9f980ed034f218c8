using StreamHub.Hls;
using StreamHub.StreamKeys;

namespace StreamHub.Cluster;

/// <summary>A request for <c>/hls/{name}/...</c> of a stream that is not packaged here but live on another node:
/// with <c>StreamHub:Cluster:PlaybackMode=Proxy</c> this node fetches it from that node and answers itself (through the
/// <see cref="EdgeCache"/>); with <c>Redirect</c> it answers 302 to the same path and query on that node's public
/// http(s) URL. Either way a viewer may start from any node. Where a stream is comes from <see cref="StreamPlacements"/>
/// (one read of the whole table a second); a stream that just ended is still sent to its origin for its grace, which
/// answers the ended playlist.</summary>
public sealed class RemotePlayback(ClusterNode node, HlsPackager packager, EdgeCache edge, StreamPlacements placements)
{
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
        if (await placements.FindAsync(name, includeEnded: true, cancellationToken) is not { } placement)
        {
            return null;
        }
        // Redirect: the viewer's own scheme when the origin has it (an https page must not be sent to http).
        // Proxy: the edge's own request, plain http first when the origin offers it (no TLS between nodes).
        var url = node.Options.ProxiesPlayback || !https ? placement.UrlFor("http", "https") : placement.UrlFor("https", "http");
        return url is null ? null : new Origin(url, placement.Since);
    }

    private sealed record Origin(string Url, DateTimeOffset Since);
}
