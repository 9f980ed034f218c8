using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using StreamHub.Live;
using StreamHub.Rtmp;
using StreamHub.Rtmp.Client;

namespace StreamHub.Cluster;

/// <summary>RTMP and HTTP-FLV playback of streams live on other nodes: the first local player of such a name starts one
/// <see cref="EdgePull"/> from the origin's rtmp:// public URL, and every further player of that name on this node joins
/// the same relayed stream. With <c>PlaybackMode</c> <c>Proxy</c> or <c>Redirect</c> alike (RTMP has no redirect, and a
/// long-lived FLV response redirected would cost the origin one connection per viewer rather than one per node); off
/// with <c>Local</c> and without a cluster. The origin sees each pull as one player of its own: its
/// <c>StreamHub:Access:Play</c> rules must allow the other nodes' addresses.</summary>
public sealed class EdgePulls(ClusterNode node, StreamPlacements placements, IOptions<RtmpOptions> rtmp, IOptions<LiveOptions> live,
    TimeProvider time, ILogger<EdgePulls> logger) : IDisposable
{
    /// <summary>Each step of the conversation with the origin, its first frame, and any silence afterwards.</summary>
    private static readonly TimeSpan OriginTimeout = TimeSpan.FromSeconds(10);

    private readonly ConcurrentDictionary<string, EdgePull> _pulls = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte> _warnedNoRtmpUrl = new(StringComparer.Ordinal);

    internal RtmpClientOptions ClientOptions { get; } = RtmpClientOptions.ForMedia(rtmp.Value, OriginTimeout,
        $"StreamHub edge pull (node {node.NodeId})");

    internal ILogger Logger => logger;
    internal TimeProvider Time => time;
    internal TimeSpan Linger => node.Options.EdgePullLinger;

    public bool Enabled => node.Store is not null && !node.Options.ServesLocalOnly;

    /// <summary>The pulls running now.</summary>
    public IReadOnlyCollection<EdgePull> All => (IReadOnlyCollection<EdgePull>)_pulls.Values;

    /// <summary>The relayed stream of <paramref name="name"/>, pulled from the node it is live on (started now, or
    /// joined); null when it is live on no other node, that node has no rtmp:// public URL, or the origin could not be
    /// reached or refused the play within the timeout.</summary>
    public async ValueTask<LiveStream?> FindOrStartAsync(string name, CancellationToken cancellationToken)
    {
        if (!Enabled)
        {
            return null;
        }
        if (!_pulls.TryGetValue(name, out var pull))
        {
            if (await placements.FindAsync(name, includeEnded: false, cancellationToken) is not { } origin)
            {
                return null;
            }
            if (origin.UrlFor("rtmp") is not { } url)
            {
                if (_warnedNoRtmpUrl.Count < 1000 && _warnedNoRtmpUrl.TryAdd(origin.Node, 0))
                {
                    ClusterLog.NoRtmpUrl(logger, name, origin.Node);
                }
                return null;
            }
            // rtmp://host:port/app, or rtmp://host:port with this node's own application (nodes share their settings).
            var originUrl = new Uri(url);
            var application = originUrl.AbsolutePath.Trim('/') is { Length: > 0 } path ? path : rtmp.Value.Application;
            var candidate = new EdgePull(this, origin, new Uri($"rtmp://{originUrl.Authority}/{application}/{name}"), application,
                new LiveStream(name, new PublisherInfo("edge-pull", url, $"relayed from node {origin.Node}"), time.GetUtcNow(), [], time,
                    liveOptions: live.Value, logger: logger));
            pull = _pulls.GetOrAdd(name, candidate);
            if (ReferenceEquals(pull, candidate))
            {
                candidate.Start();
            }
        }
        // A pull that failed is gone already; the next player starts another.
        return await pull.Opened.WaitAsync(cancellationToken) ? pull.Stream : null;
    }

    /// <summary>Ends every pull (the node is stopping): their players see the end.</summary>
    public void Dispose()
    {
        foreach (var pull in _pulls.Values)
        {
            pull.Stop("this node is stopping");
        }
    }

    internal void Ended(EdgePull pull) => _pulls.TryRemove(new KeyValuePair<string, EdgePull>(pull.Stream.Name, pull));
}
