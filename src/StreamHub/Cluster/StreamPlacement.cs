namespace StreamHub.Cluster;

/// <summary>Where a stream is live: its node, that node's public URLs, and since when.</summary>
/// <param name="Ended">The stream ended there a moment ago (it was live in an earlier read of the placements and is
/// not now): its origin still serves the ended HLS playlist for <c>StreamHub:Hls:EndedStreamGraceSeconds</c>.</param>
public sealed record StreamPlacement(string Name, string Node, IReadOnlyList<string> PublicUrls, DateTimeOffset Since, bool Ended = false)
{
    /// <summary>The first public URL with one of <paramref name="schemes"/> (in order of preference), or null.</summary>
    public string? UrlFor(params ReadOnlySpan<string> schemes)
    {
        foreach (var scheme in schemes)
        {
            foreach (var url in PublicUrls)
            {
                if (url.StartsWith(scheme + "://", StringComparison.OrdinalIgnoreCase))
                {
                    return url;
                }
            }
        }
        return null;
    }
}
