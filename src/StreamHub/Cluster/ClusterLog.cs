namespace StreamHub.Cluster;

internal static partial class ClusterLog
{
    [LoggerMessage(Level = LogLevel.Information, Message = "Cluster node {NodeId} joined (heartbeat every {IntervalSeconds} s, expiry {ExpirySeconds} s, public URLs: {PublicUrls})")]
    public static partial void Joined(ILogger logger, string nodeId, double intervalSeconds, double expirySeconds, string publicUrls);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Cluster node {NodeId} had expired (no heartbeat for longer than the expiry); it registered again and re-claims its {StreamCount} live streams")]
    public static partial void Reregistered(ILogger logger, string nodeId, int streamCount);

    [LoggerMessage(Level = LogLevel.Error, Message = "Cluster store unreachable: {Reason}. Live streams carry on; new publishes are refused until it is back")]
    public static partial void StoreLost(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Cluster store reachable again after {Seconds:0.0} s; publishes are accepted")]
    public static partial void StoreBack(ILogger logger, double seconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Stream {StreamName} is held by node {OtherNode} (this node had expired meanwhile); its publisher here was disconnected")]
    public static partial void LostToOtherNode(ILogger logger, string streamName, string otherNode);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Stream {StreamName}: releasing its placement failed ({Reason}); the next heartbeat releases it")]
    public static partial void ReleaseFailed(ILogger logger, string streamName, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Stream {StreamName} {Change}: other nodes could not be told ({Reason}); a publisher live there is not disconnected")]
    public static partial void AnnounceFailed(ILogger logger, string streamName, string change, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Stream {StreamName} deleted on node {OtherNode}; its live publisher here was disconnected")]
    public static partial void DeletedElsewhere(ILogger logger, string streamName, string otherNode);

    [LoggerMessage(Level = LogLevel.Information, Message = "Stream {StreamName} key rotated on node {OtherNode}; its live publisher here was disconnected")]
    public static partial void RotatedElsewhere(ILogger logger, string streamName, string otherNode);

    [LoggerMessage(Level = LogLevel.Information, Message = "Stream {StreamName} updated on node {OtherNode}; its live publisher here was disconnected: {Reason}")]
    public static partial void UpdatedElsewhere(ILogger logger, string streamName, string otherNode, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Stream {StreamName} changed while this node was not listening for key changes ({Reason}); its live publisher here was disconnected")]
    public static partial void ChangedWhileNotListening(ILogger logger, string streamName, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Cluster key-change listener lost its connection ({Reason}); listening again in {Seconds} s")]
    public static partial void ListenerLost(ILogger logger, string reason, int seconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Cluster notice ignored: {Reason}")]
    public static partial void NoticeIgnored(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Cluster node id {NodeId} has a current heartbeat from another process (instance {InstanceId}); waiting up to {ExpirySeconds} s: if it keeps beating, two processes share the node id and this one stops")]
    public static partial void NodeIdHeld(ILogger logger, string nodeId, string instanceId, double expirySeconds);

    [LoggerMessage(Level = LogLevel.Error, Message = "Cluster node id {NodeId} was taken by another process (instance {InstanceId}) while this one could not beat; this node no longer registers. Give each process its own StreamHub:Cluster:NodeId")]
    public static partial void NodeIdTakenOver(ILogger logger, string nodeId, string instanceId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Stream {StreamName}: the origin node could not be asked for {Url}, answered {Status}: {Reason}")]
    public static partial void OriginFailed(ILogger logger, string streamName, string url, int status, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Stream {StreamName}: pulling it from node {OriginNode} ({Url}) for this node's RTMP and HTTP-FLV players")]
    public static partial void PullStarted(ILogger logger, string streamName, string originNode, string url);

    [LoggerMessage(Level = LogLevel.Information, Message = "Stream {StreamName}: the pull from node {OriginNode} ended ({Reason}; it had started: {Started}); its players here saw the end")]
    public static partial void PullEnded(ILogger logger, string streamName, string originNode, string reason, bool started);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Stream {StreamName} is live on node {OriginNode}, which has no rtmp:// URL in StreamHub:Cluster:PublicUrls: RTMP and HTTP-FLV players here get not found (said once per node)")]
    public static partial void NoRtmpUrl(ILogger logger, string streamName, string originNode);
}
