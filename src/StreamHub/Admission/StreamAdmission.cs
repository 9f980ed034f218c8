using System.Net;
using StreamHub.Cluster;
using StreamHub.Diagnostics.Metrics;
using StreamHub.Live;
using StreamHub.Security;
using StreamHub.StreamKeys;

namespace StreamHub.Admission;

/// <summary>Whether a peer may publish or play, for any protocol: the address rules (StreamHub:Access), the stream key
/// and the stream's own publisher networks, the bad-key backoff (<see cref="BadKeyThrottle"/>), and the one publisher
/// per stream (<see cref="LiveStreamRegistry"/>, and across nodes <see cref="ClusterNode"/>). It counts every publish attempt's outcome; the protocol maps the
/// refusal to its own answer and logs it with its connection.</summary>
public sealed class StreamAdmission(LiveStreamRegistry registry, IStreamKeyAuthorizer authorizer, AccessPolicy access,
    BadKeyThrottle throttle, StreamHubMetrics? metrics = null, ClusterNode? cluster = null, EdgePulls? edgePulls = null)
{
    /// <summary>Checks <paramref name="key"/> from <paramref name="address"/> and, when all is well, claims its stream
    /// for <paramref name="publisher"/>. The right key is never held back for what others behind the same address did:
    /// only bad keys (and right keys from outside the stream's networks, which must look the same to the peer) count
    /// towards the backoff.</summary>
    public async ValueTask<PublishAdmission> AdmitPublishAsync(string key, IPAddress? address, PublisherInfo publisher,
        CancellationToken cancellationToken)
    {
        // Before the lookup: a refused address learns nothing about keys, and costs no database query.
        if (!access.IsAllowed(AccessAction.Publish, address))
        {
            metrics?.PublishAttempt("address_denied");
            return PublishAdmission.Refuse(AdmissionRefusal.AddressDenied);
        }
        PublishDecision decision;
        try
        {
            decision = await authorizer.AuthorizePublishAsync(key, cancellationToken);
        }
        catch (Exception ex) when (StoreFailure.Is(ex))
        {
            cluster?.ReportStoreFailure(ex);
            metrics?.PublishAttempt("store_unavailable");
            return PublishAdmission.Refuse(AdmissionRefusal.StoreUnavailable, detail: StoreFailure.Describe(ex));
        }
        switch (decision.Verdict)
        {
            case PublishVerdict.Allowed when decision.StreamName is { } name && !decision.AllowsAddress(address):
                metrics?.PublishAttempt("unknown_key");
                return PublishAdmission.Refuse(AdmissionRefusal.StreamAddressDenied, name, RecordBadKey(address));
            case PublishVerdict.Allowed when decision.StreamName is { } name:
                // The stream's own HLS settings travel with the publish, so the packager reads no database; the key's
                // version does too, so a node can tell later whether the key it was admitted with still stands.
                var withSettings = decision.Hls == default && decision.Key is null ? publisher
                    : publisher with { Hls = decision.Hls, Key = decision.Key };
                return cluster is { Enabled: true } ? await BeginClusteredPublishAsync(cluster, name, withSettings, cancellationToken)
                    : BeginPublish(name, withSettings);
            case PublishVerdict.Expired:
                metrics?.PublishAttempt("expired");
                return PublishAdmission.Refuse(AdmissionRefusal.Expired, decision.StreamName);
            default:
                metrics?.PublishAttempt("unknown_key");
                return PublishAdmission.Refuse(AdmissionRefusal.UnknownKey, hold: RecordBadKey(address));
        }
    }

    private PublishAdmission BeginPublish(string name, PublisherInfo publisher)
    {
        if (!registry.TryBeginPublish(name, publisher, out var stream))
        {
            metrics?.PublishAttempt("already_live");
            return PublishAdmission.Refuse(AdmissionRefusal.AlreadyLive, name);
        }
        metrics?.PublishAttempt("accepted");
        return PublishAdmission.Admit(stream);
    }

    /// <summary>The name is claimed in the shared store before the publish begins here, so a refused publish starts
    /// no packager, recorder or restream.</summary>
    private async ValueTask<PublishAdmission> BeginClusteredPublishAsync(ClusterNode cluster, string name, PublisherInfo publisher,
        CancellationToken cancellationToken)
    {
        PlacementClaim claim;
        try
        {
            claim = await cluster.ClaimAsync(name, cancellationToken);
        }
        catch (Exception ex) when (StoreFailure.Is(ex))
        {
            metrics?.PublishAttempt("store_unavailable");
            return PublishAdmission.Refuse(AdmissionRefusal.StoreUnavailable, name, detail: StoreFailure.Describe(ex));
        }
        if (!claim.Claimed)
        {
            cluster.EndClaim(name);
            metrics?.PublishAttempt("live_on_other_node");
            return PublishAdmission.Refuse(AdmissionRefusal.LiveOnOtherNode, name, detail: claim.Holder);
        }
        try
        {
            return BeginPublish(name, publisher);
        }
        finally
        {
            cluster.EndClaim(name);
        }
    }

    /// <summary>Whether <paramref name="address"/> may play the stream whose public name is <paramref name="name"/>, and
    /// that stream if it is live: published here, or live on another node of the cluster and pulled from there
    /// (<see cref="EdgePulls"/>: started by this play, or joined). The address is checked first, so a refused address
    /// learns nothing of what is live.</summary>
    public async ValueTask<PlayAdmission> AdmitPlayAsync(string name, IPAddress? address, CancellationToken cancellationToken)
    {
        if (!access.IsAllowed(AccessAction.Play, address))
        {
            return PlayAdmission.Refuse(AdmissionRefusal.AddressDenied);
        }
        if (registry.Find(name) is { } stream)
        {
            return PlayAdmission.Admit(stream);
        }
        return edgePulls is { Enabled: true } && StreamName.IsValid(name) && await edgePulls.FindOrStartAsync(name, cancellationToken) is { } relayed
            ? PlayAdmission.Admit(relayed)
            : PlayAdmission.Refuse(AdmissionRefusal.NotLive);
    }

    private TimeSpan RecordBadKey(IPAddress? address) => address is null ? TimeSpan.Zero : throttle.RecordFailure(address);
}
