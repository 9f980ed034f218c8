namespace StreamHub.Cluster;

/// <summary>Several nodes on one PostgreSQL database, bound from <c>StreamHub:Cluster</c>: who this node is, where it
/// is reached, and how often it says it is alive.</summary>
public sealed class ClusterOptions
{
    public const string Section = "StreamHub:Cluster";
    public const int MaxNodeIdLength = 64;
    public const int MaxPublicUrlsLength = 1024;

    /// <summary>null: on when <c>StreamHub:Database:Provider</c> is <c>Postgres</c> (the store the nodes share), off
    /// with SQLite. true with SQLite is a bad setting: an embedded file cannot be shared.</summary>
    public bool? Enabled { get; set; }

    /// <summary>This node's name in the cluster; empty: the host name.</summary>
    public string? NodeId { get; set; }

    /// <summary>The node's URLs as viewers and other nodes reach it (http, https, rtmp, rtmps), shown by /api/cluster.
    /// One entry per URL, or several in one entry separated by commas.</summary>
    public string[] PublicUrls { get; set; } = [];

    /// <summary>How often the node writes its heartbeat row (and its load, and re-asserts its streams).</summary>
    public double HeartbeatIntervalSeconds { get; set; } = 2;

    /// <summary>A node whose last heartbeat is older than this is expired: its streams are released and may be
    /// published on another node.</summary>
    public double HeartbeatExpirySeconds { get; set; } = 6;

    /// <summary><c>Proxy</c> (the default): asked for the HLS of a stream live on another node, a node fetches it from
    /// there and answers itself, caching what it fetched. <c>Redirect</c>: it answers 302 to that node's public http(s)
    /// URL. <c>Local</c>: a node serves HLS only for the streams live on it (404 for others).</summary>
    public string PlaybackMode { get; set; } = ProxyPlayback;

    public const string LocalPlayback = "Local";
    public const string RedirectPlayback = "Redirect";
    public const string ProxyPlayback = "Proxy";

    /// <summary>Memory for the segments, parts, init segments and short-lived playlists an edge keeps (Proxy mode).</summary>
    public int EdgeCacheMegabytes { get; set; } = 256;

    /// <summary>How long an edge waits for a connection to the origin node before answering 502.</summary>
    public double EdgeConnectTimeoutSeconds { get; set; } = 2;

    /// <summary>How long an edge waits for the origin's whole answer before answering 504; longer than the origin's
    /// own wait for a blocking playlist reload or a hinted part (three target durations).</summary>
    public double EdgeOriginTimeoutSeconds { get; set; } = 30;

    /// <summary>How long an edge keeps pulling a stream over RTMP from its origin after its last RTMP or HTTP-FLV player
    /// left: a player that reconnects within it finds the stream running (and its GOP cache) instead of a new pull.</summary>
    public double EdgePullLingerSeconds { get; set; } = 5;

    public TimeSpan EdgePullLinger => TimeSpan.FromSeconds(EdgePullLingerSeconds);

    public bool RedirectsPlayback => string.Equals(PlaybackMode, RedirectPlayback, StringComparison.OrdinalIgnoreCase);
    public bool ProxiesPlayback => string.Equals(PlaybackMode, ProxyPlayback, StringComparison.OrdinalIgnoreCase);
    public bool ServesLocalOnly => string.Equals(PlaybackMode, LocalPlayback, StringComparison.OrdinalIgnoreCase);

    public TimeSpan EdgeConnectTimeout => TimeSpan.FromSeconds(EdgeConnectTimeoutSeconds);
    public TimeSpan EdgeOriginTimeout => TimeSpan.FromSeconds(EdgeOriginTimeoutSeconds);

    public TimeSpan HeartbeatInterval => TimeSpan.FromSeconds(HeartbeatIntervalSeconds);
    public TimeSpan HeartbeatExpiry => TimeSpan.FromSeconds(HeartbeatExpirySeconds);

    public string ResolvedNodeId => string.IsNullOrWhiteSpace(NodeId) ? Environment.MachineName : NodeId.Trim();

    public IReadOnlyList<string> ResolvedPublicUrls => PublicUrls
        .SelectMany(u => (u ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        .ToArray();
}
